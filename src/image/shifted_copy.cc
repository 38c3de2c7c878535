#include "image/shifted_copy.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <dirent.h>

#include "base/fs.h"
#include "base/unique_fd.h"

namespace berth::image {

namespace {

struct Shift {
  const std::vector<spec::IdMapping>& uids;
  const std::vector<spec::IdMapping>& gids;
};

// Extended attributes of an open file or directory (security.*,
// trusted.overlay.opaque, user.*). One that cannot be set is dropped:
// the copy is a view for a container, not a backup.
void CopyXattrs(int from, int to) {
  char names[8192];
  ssize_t n = ::flistxattr(from, names, sizeof names);
  for (ssize_t off = 0; n > 0 && off < n;) {
    const char* name = names + off;
    off += static_cast<ssize_t>(std::char_traits<char>::length(name)) + 1;
    char value[4096];
    ssize_t v = ::fgetxattr(from, name, value, sizeof value);
    if (v >= 0) (void)::fsetxattr(to, name, value, static_cast<size_t>(v), 0);
  }
}

Status CopyFile(int src_dir, int dst_dir, const std::string& name, const std::string& where) {
  UniqueFd in(::openat(src_dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!in) return FailErrno("copy {}: open", where);
  UniqueFd out(::openat(dst_dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!out) return FailErrno("copy {}: create", where);
  for (;;) {
    ssize_t n = ::copy_file_range(in.get(), nullptr, out.get(), nullptr, 1 << 30, 0);
    if (n < 0) return FailErrno("copy {}", where);
    if (n == 0) break;
  }
  CopyXattrs(in.get(), out.get());
  return Ok();
}

Status CopyDir(int src, int dst, const std::string& where, const Shift& shift) {
  auto names = TRY(ListDirAt(src, where));
  for (const std::string& name : names) {
    std::string path = where + "/" + name;
    struct stat st;
    if (::fstatat(src, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      return FailErrno("copy {}: stat", path);
    switch (st.st_mode & S_IFMT) {
      case S_IFDIR: {
        if (::mkdirat(dst, name.c_str(), 0700) != 0) return FailErrno("copy {}: mkdir", path);
        UniqueFd s(::openat(src, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        UniqueFd d(::openat(dst, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!s || !d) return FailErrno("copy {}: open", path);
        TRY(CopyDir(s.get(), d.get(), path, shift));
        CopyXattrs(s.get(), d.get());
        break;
      }
      case S_IFREG:
        TRY(CopyFile(src, dst, name, path));
        break;
      case S_IFLNK: {
        std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
        ssize_t n = ::readlinkat(src, name.c_str(), target.data(), target.size());
        if (n < 0) return FailErrno("copy {}: readlink", path);
        target.resize(static_cast<size_t>(n));
        if (::symlinkat(target.c_str(), dst, name.c_str()) != 0)
          return FailErrno("copy {}: symlink", path);
        break;
      }
      default:  // devices (whiteouts), fifos, sockets
        if (::mknodat(dst, name.c_str(), st.st_mode, st.st_rdev) != 0)
          return FailErrno("copy {}: mknod", path);
        break;
    }
    // Owner first: chown clears set-id bits, which the mode then restores.
    if (::fchownat(dst, name.c_str(), ShiftId(shift.uids, st.st_uid),
                   ShiftId(shift.gids, st.st_gid), AT_SYMLINK_NOFOLLOW) != 0)
      return FailErrno("copy {}: chown", path);
    if (!S_ISLNK(st.st_mode) && ::fchmodat(dst, name.c_str(), st.st_mode & 07777, 0) != 0)
      return FailErrno("copy {}: chmod", path);
    timespec times[2] = {st.st_atim, st.st_mtim};
    (void)::utimensat(dst, name.c_str(), times, AT_SYMLINK_NOFOLLOW);
  }
  return Ok();
}

}  // namespace

uint32_t ShiftId(const std::vector<spec::IdMapping>& maps, uint32_t id) {
  for (const auto& m : maps)
    if (id >= m.container_id && id - m.container_id < m.size)
      return m.host_id + (id - m.container_id);
  return id;
}

uint32_t UnshiftId(const std::vector<spec::IdMapping>& maps, uint32_t id) {
  for (const auto& m : maps)
    if (id >= m.host_id && id - m.host_id < m.size) return m.container_id + (id - m.host_id);
  return id;
}

Status CopyTreeShifted(const std::string& src, const std::string& dst,
                       const std::vector<spec::IdMapping>& uids,
                       const std::vector<spec::IdMapping>& gids) {
  Shift shift{uids, gids};
  struct stat st;
  if (::stat(src.c_str(), &st) != 0) return FailErrno("copy {}", src);
  if (::mkdir(dst.c_str(), 0700) != 0) return FailErrno("copy to {}", dst);
  UniqueFd s(::open(src.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  UniqueFd d(::open(dst.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!s || !d) return FailErrno("copy {}", src);
  TRY(CopyDir(s.get(), d.get(), src, shift));
  CopyXattrs(s.get(), d.get());
  if (::fchown(d.get(), ShiftId(uids, st.st_uid), ShiftId(gids, st.st_gid)) != 0 ||
      ::fchmod(d.get(), st.st_mode & 07777) != 0)
    return FailErrno("copy to {}: owner", dst);
  return Ok();
}

}  // namespace berth::image
