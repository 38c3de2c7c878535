#include "engine/container_changes.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include <algorithm>
#include <map>

#include "base/fs.h"
#include "base/unique_fd.h"

namespace berth::engine {

namespace {

bool IsWhiteout(const struct stat& st) {
  return S_ISCHR(st.st_mode) && major(st.st_rdev) == 0 && minor(st.st_rdev) == 0;
}

// Whether the directory open as `fd` is an opaque one: overlay shows none
// of the lower layers' entries beneath it.
bool IsOpaque(int fd) {
  char v[2];
  for (const char* name : {"trusted.overlay.opaque", "user.overlay.opaque"}) {
    ssize_t n = ::fgetxattr(fd, name, v, sizeof v);
    if (n == 1 && v[0] == 'y') return true;
  }
  return false;
}

Result<UniqueFd> OpenDir(int dirfd, const std::string& name, const std::string& path) {
  UniqueFd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return FailErrno("open directory {}", path);
  return fd;
}

// The names in the directory open as `dirfd`, sorted.

// One directory as the image's merged layers show it: for each layer,
// topmost first, that layer's directory at this path, or an invalid fd
// where the layer has none or a layer above hides it (a whiteout, a
// non-directory, an opaque directory).
struct LowerView {
  std::vector<UniqueFd> dirs;
};

// Whether the merged layers have `name` in the directory `view`.
Result<bool> InLowers(const LowerView& view, const std::string& name, const std::string& path) {
  for (const UniqueFd& d : view.dirs) {
    if (!d) continue;
    struct stat st;
    if (::fstatat(d.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;
      return FailErrno("stat {} in a layer", path);
    }
    return !IsWhiteout(st);
  }
  return false;
}

// The view of the child directory `name` of `view`.
Result<LowerView> ChildView(const LowerView& view, const std::string& name,
                            const std::string& path) {
  LowerView child;
  child.dirs.resize(view.dirs.size());
  for (size_t i = 0; i < view.dirs.size(); i++) {
    if (!view.dirs[i]) continue;  // absent, or hidden by a layer above
    struct stat st;
    if (::fstatat(view.dirs[i].get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;
      return FailErrno("stat {} in a layer", path);
    }
    // A whiteout or a non-directory in this layer hides the layers below.
    if (!S_ISDIR(st.st_mode)) break;
    child.dirs[i] = TRY(OpenDir(view.dirs[i].get(), name, path));
    if (IsOpaque(child.dirs[i].get())) break;
  }
  return child;
}

// The entries the merged layers show in the directory `view`.
Result<std::vector<std::string>> LowerEntries(const LowerView& view, const std::string& path) {
  std::map<std::string, bool> seen;  // name -> shown (false: whited out above)
  for (const UniqueFd& d : view.dirs) {
    if (!d) continue;
    for (const std::string& n : TRY(ListDirAt(d.get(), path))) {
      if (seen.contains(n)) continue;
      struct stat st;
      if (::fstatat(d.get(), n.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
        return FailErrno("stat {}/{} in a layer", path, n);
      seen[n] = !IsWhiteout(st);
    }
  }
  std::vector<std::string> out;
  for (const auto& [n, shown] : seen)
    if (shown) out.push_back(n);
  return out;
}

// Adds the changes under the upper directory `dirfd` (at `path`, "" for the
// root), whose image counterpart is `view`.
Status Walk(int dirfd, const std::string& path, const LowerView& view, std::vector<Change>& out) {
  for (const std::string& name : TRY(ListDirAt(dirfd, path.empty() ? "/" : path))) {
    std::string child = path + "/" + name;
    struct stat st;
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;  // removed during the walk
      return FailErrno("stat {}", child);
    }
    if (IsWhiteout(st)) {
      out.push_back({child, kChangeDeleted});
      continue;
    }
    bool in_lowers = TRY(InLowers(view, name, child));
    out.push_back({child, in_lowers ? kChangeModified : kChangeAdded});
    if (!S_ISDIR(st.st_mode)) continue;

    UniqueFd sub = TRY(OpenDir(dirfd, name, child));
    LowerView sub_view = TRY(ChildView(view, name, child));
    TRY(Walk(sub.get(), child, sub_view, out));
    // Removed and made again: what the image had here and the container
    // does not have again is gone.
    if (in_lowers && IsOpaque(sub.get())) {
      for (const std::string& n : TRY(LowerEntries(sub_view, child))) {
        struct stat ust;
        if (::fstatat(sub.get(), n.c_str(), &ust, AT_SYMLINK_NOFOLLOW) == 0) continue;
        if (errno != ENOENT) return FailErrno("stat {}/{}", child, n);
        out.push_back({child + "/" + n, kChangeDeleted});
      }
    }
  }
  return Ok();
}

}  // namespace

Result<std::vector<Change>> ContainerChanges(const std::vector<std::string>& lower_dirs,
                                             const std::string& upper_dir) {
  UniqueFd upper(::open(upper_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!upper) return FailErrno("open upper dir {}", upper_dir);
  LowerView root;
  for (const std::string& l : lower_dirs) {
    UniqueFd fd(::open(l.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) return FailErrno("open layer dir {}", l);
    bool opaque = IsOpaque(fd.get());
    root.dirs.push_back(std::move(fd));
    if (opaque) break;  // an opaque root hides the layers below
  }
  root.dirs.resize(lower_dirs.size());
  std::vector<Change> out;
  TRY(Walk(upper.get(), "", root, out));
  std::sort(out.begin(), out.end(),
            [](const Change& a, const Change& b) { return a.path < b.path; });
  return out;
}

}  // namespace berth::engine
