#include "base/fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

namespace berth {

Result<std::string> ReadFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return FailErrno("open {}", path);
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return FailErrno("read {}", path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

static Status WriteAll(int fd, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return FailErrno("write {}", what);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Ok();
}

Status WriteFileAtomic(const std::string& path, std::string_view data, mode_t mode) {
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
  std::string tmp = path + ".tmp-XXXXXX";
  UniqueFd fd(::mkostemp(tmp.data(), O_CLOEXEC));
  if (!fd) return FailErrno("create temp file for {}", path);
  auto fail = [&](Error e) {
    ::unlink(tmp.c_str());
    return std::unexpected(std::move(e));
  };
  if (::fchmod(fd.get(), mode) != 0) return fail(Error(errno, "chmod " + tmp));
  if (auto st = WriteAll(fd.get(), data, tmp); !st) return fail(st.error());
  if (::fsync(fd.get()) != 0) return fail(Error(errno, "fsync " + tmp));
  fd.Reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail(Error(errno, "rename to " + path));
  UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd) ::fsync(dfd.get());
  return Ok();
}

Status WriteExisting(const std::string& path, std::string_view data) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return FailErrno("open {}", path);
  ssize_t n = ::write(fd.get(), data.data(), data.size());
  if (n < 0) return FailErrno("write {} to {}", data, path);
  return Ok();
}

Status MkdirAll(const std::string& path, mode_t mode) {
  std::string cur;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string::npos) next = path.size();
    cur = path.substr(0, next);
    pos = next + 1;
    if (cur.empty()) continue;
    if (::mkdir(cur.c_str(), mode) != 0 && errno != EEXIST) return FailErrno("mkdir {}", cur);
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return FailErrno("stat {}", path);
  if (!S_ISDIR(st.st_mode)) return FailCode(ENOTDIR, "{}", path);
  return Ok();
}

static Status RemoveAt(int parent, const char* name, dev_t dev, const std::string& shown) {
  struct stat st;
  if (::fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return Ok();
    return FailErrno("stat {}", shown);
  }
  if (S_ISDIR(st.st_mode)) {
    if (st.st_dev != dev) return FailCode(EBUSY, "{} is a mount point", shown);
    UniqueFd fd(::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return FailErrno("open {}", shown);
    DIR* d = ::fdopendir(fd.Release());
    if (!d) return FailErrno("opendir {}", shown);
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) {
      std::string_view n = e->d_name;
      if (n != "." && n != "..") names.emplace_back(n);
    }
    Status st_children;
    for (const auto& n : names) {
      st_children = RemoveAt(::dirfd(d), n.c_str(), dev, shown + "/" + n);
      if (!st_children) break;
    }
    ::closedir(d);
    if (!st_children) return st_children;
    if (::unlinkat(parent, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
      return FailErrno("rmdir {}", shown);
    return Ok();
  }
  if (::unlinkat(parent, name, 0) != 0 && errno != ENOENT) return FailErrno("unlink {}", shown);
  return Ok();
}

Status RemoveAll(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Ok();
    return FailErrno("stat {}", path);
  }
  return RemoveAt(AT_FDCWD, path.c_str(), st.st_dev, path);
}

std::string CleanPath(std::string_view path) {
  bool abs = !path.empty() && path[0] == '/';
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    std::string_view part = path.substr(pos, next - pos);
    pos = next + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..")
        parts.pop_back();
      else if (!abs)
        parts.push_back(part);
      continue;
    }
    parts.push_back(part);
  }
  std::string out = abs ? "/" : "";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += '/';
    out += parts[i];
  }
  if (out.empty()) out = ".";
  return out;
}

std::string JoinPath(std::string_view base, std::string_view path) {
  if (!path.empty() && path[0] == '/') return CleanPath(path);
  std::string joined(base);
  joined += '/';
  joined += path;
  return CleanPath(joined);
}

Result<std::vector<std::string>> ListDirAt(int dirfd, const std::string& path) {
  int fd = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return FailErrno("open directory {}", path);
  DIR* d = ::fdopendir(fd);
  if (d == nullptr) {
    auto e = FailErrno("read directory {}", path);
    ::close(fd);
    return e;
  }
  std::vector<std::string> names;
  errno = 0;
  while (dirent* ent = ::readdir(d)) {
    std::string n = ent->d_name;
    if (n != "." && n != "..") names.push_back(std::move(n));
    errno = 0;
  }
  int err = errno;
  ::closedir(d);
  if (err != 0) return FailCode(err, "read directory {}", path);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace berth
