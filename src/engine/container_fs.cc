#include "engine/container_fs.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <unistd.h>

#include <deque>

#include "base/clock.h"
#include "sys/syscalls.h"

namespace berth::engine {

namespace {

constexpr uint64_t kInRoot = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;

std::string Join(const std::vector<std::string>& parts, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    if (!s.empty()) s += '/';
    s += parts[i];
  }
  return s.empty() ? "." : s;
}

// openat2 inside the root; EAGAIN (a rename elsewhere raced the lookup)
// is retried.
Result<UniqueFd> OpenInRoot(int rootfd, const std::string& rel, uint64_t flags,
                            uint64_t resolve = kInRoot) {
  for (int tries = 0;; ++tries) {
    int fd = sys::OpenAt2(rootfd, rel.c_str(), flags | O_CLOEXEC, resolve);
    if (fd >= 0) return UniqueFd(fd);
    if (errno != EAGAIN || tries == 16) return FailErrno("open {}", rel);
  }
}

}  // namespace

CpPath ParseCpPath(std::string_view path) {
  CpPath p;
  std::string_view s = path;
  p.dot = s == "." || s.ends_with("/.");
  p.trailing = p.dot || s.ends_with('/');
  // Lexical cleaning against "/": ".." at the root stays at the root, as
  // Go's filepath.Join("/", path) makes it.
  size_t i = 0;
  while (i <= s.size()) {
    size_t j = s.find('/', i);
    if (j == std::string_view::npos) j = s.size();
    std::string_view c = s.substr(i, j - i);
    if (c == "..") {
      if (!p.parts.empty()) p.parts.pop_back();
    } else if (!c.empty() && c != ".") {
      p.parts.emplace_back(c);
    }
    i = j + 1;
  }
  return p;
}

std::string CpPath::Abs() const { return "/" + (parts.empty() ? "" : Join(parts, parts.size())); }

std::string CpPath::BaseName() const {
  if (dot) return ".";
  if (parts.empty()) return "/";
  return parts.back();
}

uint32_t GoFileMode(uint32_t st_mode) {
  uint32_t m = st_mode & 0777;
  switch (st_mode & S_IFMT) {
    case S_IFDIR:
      m |= 1u << 31;
      break;
    case S_IFLNK:
      m |= 1u << 27;
      break;
    case S_IFBLK:
      m |= 1u << 26;
      break;
    case S_IFCHR:
      m |= (1u << 26) | (1u << 21);
      break;
    case S_IFIFO:
      m |= 1u << 25;
      break;
    case S_IFSOCK:
      m |= 1u << 24;
      break;
    default:
      break;
  }
  if (st_mode & S_ISUID) m |= 1u << 23;
  if (st_mode & S_ISGID) m |= 1u << 22;
  if (st_mode & S_ISVTX) m |= 1u << 20;
  return m;
}

Result<CpTarget> ResolveForRead(int rootfd, const CpPath& path) {
  CpTarget t;
  if (path.trailing || path.parts.empty()) {
    // Followed to the end: the directory itself.
    t.dirfd = TRY(OpenInRoot(rootfd, Join(path.parts, path.parts.size()), O_PATH | O_DIRECTORY));
    t.name = ".";
    return t;
  }
  t.dirfd = TRY(OpenInRoot(rootfd, Join(path.parts, path.parts.size() - 1), O_PATH | O_DIRECTORY));
  t.name = path.parts.back();
  struct stat st;
  if (::fstatat(t.dirfd.get(), t.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
    return FailErrno("stat {}", path.Abs());
  return t;
}

Result<PathStat> StatTarget(int rootfd, const CpPath& path, const CpTarget& target) {
  struct stat st;
  int flags = AT_SYMLINK_NOFOLLOW | (target.name == "." ? AT_EMPTY_PATH : 0);
  const char* name = target.name == "." ? "" : target.name.c_str();
  if (::fstatat(target.dirfd.get(), name, &st, flags) != 0) return FailErrno("stat {}", path.Abs());
  PathStat s;
  s.name = path.BaseName();
  s.size = st.st_size;
  s.mode = GoFileMode(st.st_mode);
  s.mtime = Rfc3339Nano(st.st_mtim);
  s.is_dir = S_ISDIR(st.st_mode);
  if (S_ISLNK(st.st_mode)) s.link_target = TRY(FollowInRoot(rootfd, path));
  return s;
}

Result<UniqueFd> OpenDirForWrite(int rootfd, const CpPath& path) {
  UniqueFd fd = TRY(OpenInRoot(rootfd, Join(path.parts, path.parts.size()), O_PATH));
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return FailErrno("stat {}", path.Abs());
  if (!S_ISDIR(st.st_mode)) return FailAs(ENOTDIR, "extraction point is not a directory");
  // Reopened through the fd itself: the same directory, now readable.
  return OpenInRoot(fd.get(), ".", O_RDONLY | O_DIRECTORY);
}

Result<std::string> FollowInRoot(int rootfd, const CpPath& path) {
  // Component by component, each link read through the fd of its parent
  // (opened inside the root) and spliced into what is left to walk.
  std::deque<std::string> todo(path.parts.begin(), path.parts.end());
  std::vector<std::string> done;
  int links = 0;
  while (!todo.empty()) {
    std::string c = std::move(todo.front());
    todo.pop_front();
    if (c.empty() || c == ".") continue;
    if (c == "..") {
      if (!done.empty()) done.pop_back();
      continue;
    }
    auto dir = OpenInRoot(rootfd, Join(done, done.size()), O_PATH | O_DIRECTORY);
    if (!dir) {
      done.push_back(c);  // beneath something missing or not a directory
      continue;
    }
    char buf[4096];
    ssize_t n = ::readlinkat(dir->get(), c.c_str(), buf, sizeof buf);
    if (n < 0) {
      done.push_back(c);  // not a link (EINVAL) or missing: kept as named
      continue;
    }
    if (++links > 40) return FailAs(ELOOP, "{}: too many levels of symbolic links", path.Abs());
    std::string target(buf, static_cast<size_t>(n));
    if (target.starts_with('/')) done.clear();
    // ".." in a link is relative to where the link is: keep it unparsed.
    std::vector<std::string> raw;
    for (size_t i = 0; i <= target.size();) {
      size_t j = target.find('/', i);
      if (j == std::string::npos) j = target.size();
      raw.push_back(target.substr(i, j - i));
      i = j + 1;
    }
    todo.insert(todo.begin(), raw.begin(), raw.end());
  }
  return "/" + (done.empty() ? std::string() : Join(done, done.size()));
}

Result<std::string> ReadFileInRootFd(int rootfd, const std::string& path) {
  CpPath p = ParseCpPath(path);
  auto fd = OpenInRoot(rootfd, Join(p.parts, p.parts.size()), O_RDONLY | O_NOCTTY | O_NONBLOCK);
  if (!fd) {
    if (fd.error().code() == ENOENT) return std::string();
    return std::unexpected(std::move(fd).error());
  }
  struct stat st;
  if (::fstat(fd->get(), &st) != 0) return FailErrno("stat {}", path);
  if (!S_ISREG(st.st_mode)) return FailAs(EINVAL, "{} is not a regular file", path);
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd->get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return FailErrno("read {}", path);
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > (size_t{16} << 20)) return FailAs(EINVAL, "{} is too big", path);
  }
  return out;
}

}  // namespace berth::engine
