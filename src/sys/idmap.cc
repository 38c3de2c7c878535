#include "sys/idmap.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fs.h"

namespace berth::sys {

Result<UniqueFd> MakeIdmapUserns(const std::string& uid_map, const std::string& gid_map) {
  // The child only makes the namespace and blocks on a pipe; the maps are
  // written from here, as only a process outside the namespace may, and
  // the namespace outlives the child through the fd we open.
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return FailErrno("idmap: pipe");
  UniqueFd rd(p[0]), wr(p[1]);
  pid_t pid = static_cast<pid_t>(::syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, nullptr));
  if (pid < 0) return FailErrno("idmap: clone a user namespace");
  if (pid == 0) {
    char c;
    wr.Reset();
    (void)!::read(rd.get(), &c, 1);  // EOF: the parent is done with us
    _exit(0);
  }
  rd.Reset();
  std::string base = "/proc/" + std::to_string(pid);
  auto st = WriteExisting(base + "/uid_map", uid_map);
  if (st) {
    // setgroups must be allowed for the gid map to be written by root in
    // the parent namespace; it already is (the default), nothing to write.
    st = WriteExisting(base + "/gid_map", gid_map);
  }
  UniqueFd ns;
  int open_errno = 0;
  if (st) {
    ns.Reset(::open((base + "/ns/user").c_str(), O_RDONLY | O_CLOEXEC));
    open_errno = errno;
  }
  wr.Reset();
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  if (!st) return std::unexpected(std::move(st).error().Context("idmap: write the id maps"));
  if (!ns) return FailCode(open_errno, "idmap: open the user namespace");
  return ns;
}

Result<UniqueFd> OpenIdmappedDir(const std::string& dir, int userns_fd) {
  UniqueFd tree(::open_tree(AT_FDCWD, dir.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
  if (!tree) return FailErrno("idmap {}: bind", dir);
  mount_attr a{};
  a.attr_set = MOUNT_ATTR_IDMAP;
  a.userns_fd = static_cast<uint64_t>(userns_fd);
  if (::mount_setattr(tree.get(), "", AT_EMPTY_PATH, &a, sizeof a) != 0)
    return FailErrno("idmap {}", dir);
  return tree;
}

}  // namespace berth::sys
