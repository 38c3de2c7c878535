#include "runtime/idmap_mount.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fs.h"

namespace berth::runtime {

std::string IdMapText(const std::vector<spec::IdMapping>& maps) {
  std::string out;
  for (const auto& m : maps)
    out += std::to_string(m.container_id) + " " + std::to_string(m.host_id) + " " +
           std::to_string(m.size) + "\n";
  return out;
}

Result<UniqueFd> MakeUsernsFd(const std::vector<spec::IdMapping>& uids,
                              const std::vector<spec::IdMapping>& gids) {
  // The child makes the namespace and waits on a pipe; we write its maps
  // from outside (only a parent namespace may) and keep an fd of it.
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return FailErrno("pipe");
  UniqueFd rd(p[0]), wr(p[1]);
  pid_t pid = static_cast<pid_t>(::syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, nullptr));
  if (pid < 0) return FailErrno("clone a user namespace for an idmapped mount");
  if (pid == 0) {
    char c;
    wr.Reset();
    (void)!::read(rd.get(), &c, 1);  // returns at EOF: the parent is done
    _exit(0);
  }
  rd.Reset();
  auto reap = [&] {
    wr.Reset();
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  };
  std::string base = "/proc/" + std::to_string(pid);
  auto st = WriteExisting(base + "/uid_map", IdMapText(uids));
  if (st) st = WriteExisting(base + "/gid_map", IdMapText(gids));
  if (!st) {
    reap();
    return std::unexpected(std::move(st).error().Context("idmapped mount: write the id maps"));
  }
  UniqueFd ns(::open((base + "/ns/user").c_str(), O_RDONLY | O_CLOEXEC));
  int e = errno;
  reap();
  if (!ns) {
    errno = e;
    return FailErrno("idmapped mount: open the user namespace");
  }
  return ns;
}

Result<UniqueFd> OpenIdmappedTree(const std::string& source, bool recursive, bool recursive_idmap,
                                  int userns) {
  UniqueFd tree(::open_tree(AT_FDCWD, source.c_str(),
                            OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0)));
  if (!tree) return FailErrno("bind {}", source);
  mount_attr a{};
  a.attr_set = MOUNT_ATTR_IDMAP;
  a.userns_fd = static_cast<uint64_t>(userns);
  if (::mount_setattr(tree.get(), "", AT_EMPTY_PATH | (recursive_idmap ? AT_RECURSIVE : 0), &a,
                      sizeof a) != 0) {
    if (errno == EINVAL)
      return FailErrno("idmap {}: the filesystem (or a mount under it) cannot be idmapped", source);
    return FailErrno("idmap {}", source);
  }
  return tree;
}

}  // namespace berth::runtime
