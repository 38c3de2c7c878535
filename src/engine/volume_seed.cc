#include "engine/volume_seed.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <cstring>

#include <vector>

#include "base/unique_fd.h"
#include "sys/syscalls.h"

namespace berth::engine {
namespace {

// The names in the directory open at `fd` (its read position is used up).
Result<std::vector<std::string>> Names(int fd) {
  int copy = ::dup(fd);
  if (copy < 0) return FailErrno("dup");
  DIR* d = ::fdopendir(copy);
  if (d == nullptr) {
    ::close(copy);
    return FailErrno("fdopendir");
  }
  ::rewinddir(d);
  std::vector<std::string> out;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") out.push_back(n);
  }
  ::closedir(d);
  return out;
}

// Extended attributes of one open file onto another (best effort: a
// filesystem without them, or a namespace we may not write, is skipped).
void CopyXattrs(int from, int to) {
  ssize_t n = ::flistxattr(from, nullptr, 0);
  if (n <= 0) return;
  std::string names(static_cast<size_t>(n), '\0');
  n = ::flistxattr(from, names.data(), names.size());
  if (n <= 0) return;
  for (size_t at = 0; at < static_cast<size_t>(n);) {
    const char* name = names.c_str() + at;
    at += std::strlen(name) + 1;
    ssize_t len = ::fgetxattr(from, name, nullptr, 0);
    if (len < 0) continue;
    std::string value(static_cast<size_t>(len), '\0');
    len = ::fgetxattr(from, name, value.data(), value.size());
    if (len >= 0) (void)::fsetxattr(to, name, value.data(), static_cast<size_t>(len), 0);
  }
}

// Owner, mode and times of `st` onto the open file `to`.
void CopyMeta(int from, int to, const struct stat& st) {
  (void)::fchown(to, st.st_uid, st.st_gid);
  (void)::fchmod(to, st.st_mode & 07777);
  CopyXattrs(from, to);
  timespec times[2] = {st.st_atim, st.st_mtim};
  (void)::futimens(to, times);
}

Status CopyFile(int from, int to, off_t size) {
  off_t done = 0;
  while (done < size) {
    ssize_t n = ::copy_file_range(from, nullptr, to, nullptr, static_cast<size_t>(size - done), 0);
    if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP))
      n = ::sendfile(to, from, nullptr, static_cast<size_t>(size - done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return FailErrno("copy");
    }
    if (n == 0) break;
    done += n;
  }
  return Ok();
}

// Copies the entries of directory `src` into directory `dst`, recursively.
Status CopyTree(int src, int dst, const std::string& where) {
  for (const std::string& name : TRY(Names(src))) {
    std::string path = where + "/" + name;
    struct stat st;
    if (::fstatat(src, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      return FailErrno("seed volume: stat {}", path);
    if (S_ISDIR(st.st_mode)) {
      UniqueFd from(::openat(src, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!from) return FailErrno("seed volume: open {}", path);
      if (::mkdirat(dst, name.c_str(), 0700) != 0 && errno != EEXIST)
        return FailErrno("seed volume: mkdir {}", path);
      UniqueFd to(::openat(dst, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!to) return FailErrno("seed volume: open {}", path);
      TRY(CopyTree(from.get(), to.get(), path));
      CopyMeta(from.get(), to.get(), st);
    } else if (S_ISREG(st.st_mode)) {
      UniqueFd from(::openat(src, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
      if (!from) return FailErrno("seed volume: open {}", path);
      UniqueFd to(
          ::openat(dst, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
      if (!to) return FailErrno("seed volume: create {}", path);
      TRY_CTX(CopyFile(from.get(), to.get(), st.st_size), "seed volume: {}", path);
      CopyMeta(from.get(), to.get(), st);
    } else if (S_ISLNK(st.st_mode)) {
      std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
      ssize_t n = ::readlinkat(src, name.c_str(), target.data(), target.size());
      if (n < 0) return FailErrno("seed volume: readlink {}", path);
      target.resize(static_cast<size_t>(n));
      if (::symlinkat(target.c_str(), dst, name.c_str()) != 0)
        return FailErrno("seed volume: symlink {}", path);
      (void)::fchownat(dst, name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
      timespec times[2] = {st.st_atim, st.st_mtim};
      (void)::utimensat(dst, name.c_str(), times, AT_SYMLINK_NOFOLLOW);
    } else {
      // FIFOs, sockets, devices: made again, not opened.
      if (::mknodat(dst, name.c_str(), st.st_mode, st.st_rdev) != 0) continue;
      (void)::fchownat(dst, name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
      (void)::fchmodat(dst, name.c_str(), st.st_mode & 07777, 0);
    }
  }
  return Ok();
}

}  // namespace

Status SeedVolume(const std::string& rootfs, const std::string& path_in_container,
                  const std::string& volume_dir) {
  UniqueFd dst(::open(volume_dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dst) return FailErrno("seed volume: open {}", volume_dir);
  if (!TRY(Names(dst.get())).empty()) return Ok();
  UniqueFd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return FailErrno("seed volume: open {}", rootfs);
  // Resolved as the container would see it: symlinks stay inside the root.
  UniqueFd src(sys::OpenAt2(root.get(), path_in_container.c_str(),
                            O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                            RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV));
  if (!src) {
    if (errno == ENOENT || errno == ENOTDIR) return Ok();
    return FailErrno("seed volume: open {} in the container", path_in_container);
  }
  TRY(CopyTree(src.get(), dst.get(), path_in_container));
  struct stat st;
  if (::fstat(src.get(), &st) == 0) CopyMeta(src.get(), dst.get(), st);
  return Ok();
}

}  // namespace berth::engine
