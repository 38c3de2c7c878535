#include "runtime/sealed_exe.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>

#include "base/unique_fd.h"

namespace berth::runtime {
namespace {

constexpr int kSeals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;

Result<UniqueFd> ReadOnlyBindOfSelf() {
  UniqueFd fd(::open_tree(AT_FDCWD, "/proc/self/exe", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
  if (!fd) return FailErrno("clone a mount of /proc/self/exe");
  mount_attr a{};
  a.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID;
  if (::mount_setattr(fd.get(), "", AT_EMPTY_PATH, &a, sizeof a) != 0)
    return FailErrno("make the runtime's mount read-only");
  return fd;
}

Result<UniqueFd> SealedCopyOfSelf() {
  UniqueFd src(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
  if (!src) return FailErrno("open /proc/self/exe");
  struct stat st;
  if (::fstat(src.get(), &st) != 0) return FailErrno("stat /proc/self/exe");
  UniqueFd mfd(::memfd_create("berth-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!mfd) return FailErrno("memfd_create");
  off_t off = 0;
  while (off < st.st_size) {
    ssize_t n = ::sendfile(mfd.get(), src.get(), &off, static_cast<size_t>(st.st_size - off));
    if (n <= 0) return FailErrno("copy the runtime binary");
  }
  if (::fcntl(mfd.get(), F_ADD_SEALS, kSeals) != 0) return FailErrno("seal the runtime copy");
  return mfd;
}

}  // namespace

bool SelfIsSealed() {
  struct statvfs sv;
  if (::statvfs("/proc/self/exe", &sv) == 0 && (sv.f_flag & ST_RDONLY)) return true;
  UniqueFd fd(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
  return fd && ::fcntl(fd.get(), F_GET_SEALS) == kSeals;
}

Status EnsureSealedSelf(char** argv, char** envp) {
  if (SelfIsSealed()) return Ok();
  auto fd = ReadOnlyBindOfSelf();
  if (!fd) fd = SealedCopyOfSelf();
  if (!fd) return std::unexpected(fd.error());
  ::execveat(fd->get(), "", argv, envp, AT_EMPTY_PATH);
  return FailErrno("re-exec the runtime from a read-only view");
}

}  // namespace berth::runtime
