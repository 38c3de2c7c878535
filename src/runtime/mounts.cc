#include "runtime/mounts.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <map>

#include "base/fs.h"
#include "sys/syscalls.h"

namespace berth::runtime {
namespace {

constexpr uint64_t kResolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;

struct AttrOpt {
  bool recursive;
  bool set;  // set or clear
  uint64_t attr;
};

// Options that are mount attributes: plain ones apply to the mount itself,
// r* ones to the whole tree (runtime-spec "recursive mount attributes").
const std::map<std::string, AttrOpt, std::less<>>& AttrOptions() {
  static const std::map<std::string, AttrOpt, std::less<>> m = {
      {"ro", {false, true, MOUNT_ATTR_RDONLY}},
      {"rw", {false, false, MOUNT_ATTR_RDONLY}},
      {"nosuid", {false, true, MOUNT_ATTR_NOSUID}},
      {"suid", {false, false, MOUNT_ATTR_NOSUID}},
      {"nodev", {false, true, MOUNT_ATTR_NODEV}},
      {"dev", {false, false, MOUNT_ATTR_NODEV}},
      {"noexec", {false, true, MOUNT_ATTR_NOEXEC}},
      {"exec", {false, false, MOUNT_ATTR_NOEXEC}},
      {"nodiratime", {false, true, MOUNT_ATTR_NODIRATIME}},
      {"diratime", {false, false, MOUNT_ATTR_NODIRATIME}},
      {"nosymfollow", {false, true, MOUNT_ATTR_NOSYMFOLLOW}},
      {"symfollow", {false, false, MOUNT_ATTR_NOSYMFOLLOW}},
      {"rro", {true, true, MOUNT_ATTR_RDONLY}},
      {"rrw", {true, false, MOUNT_ATTR_RDONLY}},
      {"rnosuid", {true, true, MOUNT_ATTR_NOSUID}},
      {"rsuid", {true, false, MOUNT_ATTR_NOSUID}},
      {"rnodev", {true, true, MOUNT_ATTR_NODEV}},
      {"rdev", {true, false, MOUNT_ATTR_NODEV}},
      {"rnoexec", {true, true, MOUNT_ATTR_NOEXEC}},
      {"rexec", {true, false, MOUNT_ATTR_NOEXEC}},
      {"rnodiratime", {true, true, MOUNT_ATTR_NODIRATIME}},
      {"rdiratime", {true, false, MOUNT_ATTR_NODIRATIME}},
      {"rnosymfollow", {true, true, MOUNT_ATTR_NOSYMFOLLOW}},
      {"rsymfollow", {true, false, MOUNT_ATTR_NOSYMFOLLOW}},
  };
  return m;
}

// atime modes are one field, not bits: setting one clears the others.
const std::map<std::string, std::pair<bool, uint64_t>, std::less<>>& AtimeOptions() {
  static const std::map<std::string, std::pair<bool, uint64_t>, std::less<>> m = {
      {"relatime", {false, MOUNT_ATTR_RELATIME}},       {"noatime", {false, MOUNT_ATTR_NOATIME}},
      {"strictatime", {false, MOUNT_ATTR_STRICTATIME}}, {"atime", {false, MOUNT_ATTR_RELATIME}},
      {"rrelatime", {true, MOUNT_ATTR_RELATIME}},       {"rnoatime", {true, MOUNT_ATTR_NOATIME}},
      {"rstrictatime", {true, MOUNT_ATTR_STRICTATIME}}, {"ratime", {true, MOUNT_ATTR_RELATIME}},
  };
  return m;
}

const std::map<std::string, std::pair<uint64_t, bool>, std::less<>>& PropagationOptions() {
  static const std::map<std::string, std::pair<uint64_t, bool>, std::less<>> m = {
      {"private", {MS_PRIVATE, false}},       {"rprivate", {MS_PRIVATE, true}},
      {"shared", {MS_SHARED, false}},         {"rshared", {MS_SHARED, true}},
      {"slave", {MS_SLAVE, false}},           {"rslave", {MS_SLAVE, true}},
      {"unbindable", {MS_UNBINDABLE, false}}, {"runbindable", {MS_UNBINDABLE, true}},
  };
  return m;
}

// Superblock flags the kernel's fs_context parser knows by name.
bool IsSbFlag(std::string_view o) {
  return o == "sync" || o == "async" || o == "dirsync" || o == "mand" || o == "nomand" ||
         o == "lazytime" || o == "nolazytime";
}

// Options with no effect on a fresh mount (runc accepts and ignores them).
bool IsIgnored(std::string_view o) {
  return o == "defaults" || o == "silent" || o == "loud" || o == "iversion" || o == "noiversion" ||
         o == "remount" || o == "norelatime" || o == "nostrictatime" || o == "nolazytime" ||
         o == "newinstance";
}

void CopyErr(char* err, size_t n, const char* fmt, const char* a, const char* b = "") {
  std::snprintf(err, n, fmt, a, b);
}

// Appends what the kernel logged on an fs context fd to err.
void AppendFsLog(int fsfd, char* err, size_t n) {
  char buf[256];
  ssize_t r = ::read(fsfd, buf, sizeof buf - 1);
  if (r <= 2) return;
  buf[r] = 0;
  if (buf[r - 1] == '\n') buf[r - 1] = 0;
  size_t len = std::strlen(err);
  if (len + 4 < n) std::snprintf(err + len, n - len, " (%s)", buf + 2);
}

int SetAttrs(int mfd, uint64_t set, uint64_t clr, bool recursive) {
  if (set == 0 && clr == 0) return 0;
  mount_attr a{};
  a.attr_set = set;
  a.attr_clr = clr;
  return ::mount_setattr(mfd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a, sizeof a);
}

}  // namespace

Result<MountStep> PlanMount(const spec::Mount& m, const std::string& bundle) {
  MountStep s;
  s.dest = CleanPath(m.destination.empty() || m.destination[0] != '/' ? "/" + m.destination
                                                                      : m.destination);
  s.fstype = m.type;
  s.source = m.source;
  if (m.type == "bind") s.bind = true;
  for (const auto& o : m.options) {
    if (o == "bind") {
      s.bind = true;
    } else if (o == "rbind") {
      s.bind = true;
      s.recursive_bind = true;
    } else if (auto it = AttrOptions().find(o); it != AttrOptions().end()) {
      auto [rec, set, attr] = it->second;
      uint64_t& on = rec ? s.rec_attr_set : s.attr_set;
      uint64_t& off = rec ? s.rec_attr_clr : s.attr_clr;
      (set ? on : off) |= attr;
      (set ? off : on) &= ~attr;
    } else if (auto at = AtimeOptions().find(o); at != AtimeOptions().end()) {
      auto [rec, mode] = at->second;
      uint64_t& on = rec ? s.rec_attr_set : s.attr_set;
      uint64_t& off = rec ? s.rec_attr_clr : s.attr_clr;
      on = (on & ~MOUNT_ATTR__ATIME) | mode;
      off |= MOUNT_ATTR__ATIME;
    } else if (auto p = PropagationOptions().find(o); p != PropagationOptions().end()) {
      s.propagation = p->second.first;
      s.propagation_recursive = p->second.second;
    } else if (o == "idmap" || o == "ridmap") {
      s.idmap = true;
      s.idmap_recursive = s.idmap_recursive || o == "ridmap";
    } else if (o == "tmpcopyup") {
      return Fail("mounts[{}]: option \"tmpcopyup\" is not supported", m.destination);
    } else if (IsIgnored(o)) {
      continue;
    } else if (IsSbFlag(o)) {
      s.fs_options.emplace_back(o, "");
    } else if (auto eq = o.find('='); eq != std::string::npos) {
      s.fs_options.emplace_back(o.substr(0, eq), o.substr(eq + 1));
    } else {
      s.fs_options.emplace_back(o, "");
    }
  }
  for (const auto& [k, v] : s.fs_options) {
    if (!s.data.empty()) s.data += ',';
    s.data += v.empty() ? k : k + "=" + v;
  }
  // Mappings on the mount make it idmapped even without the option
  // (runtime-spec 1.1 had only the mappings).
  if (!m.uid_mappings.empty() || !m.gid_mappings.empty()) {
    s.idmap = true;
    s.idmap_uids = m.uid_mappings;
    s.idmap_gids = m.gid_mappings;
  }
  if (s.idmap && !s.bind)
    return Fail("mounts[{}]: idmapped mounts must be bind mounts (type {:?})", m.destination,
                m.type);
  if (s.bind) {
    if (s.source.empty()) return Fail("mounts[{}]: bind mount needs a source", m.destination);
    s.source = JoinPath(bundle, s.source);
    struct stat st;
    if (::stat(s.source.c_str(), &st) != 0)
      return FailErrno("mounts[{}]: bind source {}", m.destination, s.source);
    s.dest_is_file = !S_ISDIR(st.st_mode);
    s.fstype.clear();
  } else {
    if (s.fstype.empty()) return Fail("mounts[{}]: type is required", m.destination);
    if (s.fstype == "proc") {
      s.must_be_dir = true;
      s.expect_fs_magic = PROC_SUPER_MAGIC;
    } else if (s.fstype == "sysfs") {
      s.must_be_dir = true;
      s.expect_fs_magic = SYSFS_MAGIC;
    }
  }
  return s;
}

int MkdirAllInRoot(int rootfd, const char* path, bool last_is_file, bool no_follow_last) {
  char buf[PATH_MAX];
  while (*path == '/') ++path;
  size_t len = std::strlen(path);
  if (len >= sizeof buf) {
    errno = ENAMETOOLONG;
    return -1;
  }
  std::memcpy(buf, path, len + 1);
  while (len > 0 && buf[len - 1] == '/') buf[--len] = 0;
  if (len == 0) return ::openat(rootfd, ".", O_PATH | O_CLOEXEC | O_DIRECTORY);

  // Walk the prefixes "a", "a/b", "a/b/c": open each inside the root; when
  // one is missing, make it in its parent (itself opened inside the root).
  size_t start = 0;
  for (;;) {
    size_t end = start;
    while (end < len && buf[end] != '/') ++end;
    bool last = end == len;
    char saved = buf[end];
    buf[end] = 0;
    int flags = O_PATH | O_CLOEXEC | ((last && no_follow_last) ? O_NOFOLLOW : 0);
    int fd = sys::OpenAt2(rootfd, buf, flags, kResolve);
    if (fd < 0 && errno == ENOENT) {
      int parent;
      if (start == 0) {
        parent = ::fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
      } else {
        buf[start - 1] = 0;
        parent = sys::OpenAt2(rootfd, buf, O_PATH | O_CLOEXEC | O_DIRECTORY, kResolve);
        buf[start - 1] = '/';
      }
      if (parent < 0) return -1;
      int r;
      if (last && last_is_file) {
        r = ::openat(parent, buf + start, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
                     0644);
        if (r >= 0) ::close(r);
      } else {
        r = ::mkdirat(parent, buf + start, 0755);
      }
      int e = errno;
      ::close(parent);
      if (r < 0 && e != EEXIST) {
        errno = e;
        return -1;
      }
      fd = sys::OpenAt2(rootfd, buf, flags, kResolve);
    }
    buf[end] = saved;
    if (fd < 0) return -1;
    if (last) return fd;
    ::close(fd);
    start = end + 1;
  }
}

int AttachMount(int rootfd, const MountStep& m, char* err, size_t n) {
  const char* dest = m.dest.c_str();
  if (!m.symlink_target.empty()) {
    char dir[PATH_MAX];
    std::snprintf(dir, sizeof dir, "%s", dest);
    char* slash = std::strrchr(dir, '/');
    *slash = 0;
    int dfd = MkdirAllInRoot(rootfd, dir, false, false);
    int rc = dfd < 0 ? -1 : ::symlinkat(m.symlink_target.c_str(), dfd, slash + 1);
    if (rc != 0 && errno == EEXIST) rc = 0;
    if (rc != 0) CopyErr(err, n, "symlink %s", dest);
    if (dfd >= 0) ::close(dfd);
    return rc;
  }
  if (m.setattr_only) {
    int fd = sys::OpenAt2(rootfd, dest, O_PATH | O_CLOEXEC | O_DIRECTORY, kResolve);
    int rc = fd < 0 ? -1 : SetAttrs(fd, m.attr_set, m.attr_clr, false);
    if (rc != 0) CopyErr(err, n, "mount %s: set attributes", dest);
    if (fd >= 0) ::close(fd);
    return rc;
  }
  int tfd = MkdirAllInRoot(rootfd, dest, m.dest_is_file, m.must_be_dir);
  if (tfd < 0) {
    CopyErr(err, n, "mount %s: create target", dest);
    return -1;
  }
  if (m.must_be_dir) {
    struct stat st;
    if (::fstat(tfd, &st) != 0 || !S_ISDIR(st.st_mode)) {
      ::close(tfd);
      errno = ENOTDIR;
      CopyErr(err, n, "mount %s: %s target must be a real directory, not a symlink or file", dest,
              m.fstype.c_str());
      return -1;
    }
  }

  int mfd;
  if (m.premade_fd >= 0) {
    mfd = m.premade_fd;  // made by the runtime (idmapped); ours to close
  } else if (m.bind) {
    mfd = ::open_tree(AT_FDCWD, m.source.c_str(),
                      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (m.recursive_bind ? AT_RECURSIVE : 0));
    if (mfd < 0) {
      int e = errno;
      CopyErr(err, n, "mount %s: bind %s", dest, m.source.c_str());
      ::close(tfd);
      errno = e;
      return -1;
    }
  } else {
    int fsfd = ::fsopen(m.fstype.c_str(), FSOPEN_CLOEXEC);
    if (fsfd < 0) {
      int e = errno;
      CopyErr(err, n, "mount %s: filesystem type %s", dest, m.fstype.c_str());
      ::close(tfd);
      errno = e;
      return -1;
    }
    int r = 0;
    if (!m.source.empty()) r = ::fsconfig(fsfd, FSCONFIG_SET_STRING, "source", m.source.c_str(), 0);
    for (size_t i = 0; r == 0 && i < m.fs_options.size(); ++i) {
      const auto& [k, v] = m.fs_options[i];
      r = v.empty() ? ::fsconfig(fsfd, FSCONFIG_SET_FLAG, k.c_str(), nullptr, 0)
                    : ::fsconfig(fsfd, FSCONFIG_SET_STRING, k.c_str(), v.c_str(), 0);
      if (r != 0) {
        int e = errno;
        std::snprintf(err, n, "mount %s: option %s%s%s", dest, k.c_str(), v.empty() ? "" : "=",
                      v.c_str());
        AppendFsLog(fsfd, err, n);
        ::close(fsfd);
        ::close(tfd);
        errno = e;
        return -1;
      }
    }
    if (r == 0) r = ::fsconfig(fsfd, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0);
    mfd = r == 0 ? ::fsmount(fsfd, FSMOUNT_CLOEXEC, 0) : -1;
    if (mfd < 0) {
      int e = errno;
      CopyErr(err, n, "mount %s %s", m.fstype.c_str(), dest);
      AppendFsLog(fsfd, err, n);
      ::close(fsfd);
      ::close(tfd);
      errno = e;
      return -1;
    }
    ::close(fsfd);
  }

  int rc = 0;
  if (m.expect_fs_magic != 0) {
    struct statfs sfs;
    if (::fstatfs(mfd, &sfs) != 0 || static_cast<uint32_t>(sfs.f_type) != m.expect_fs_magic) {
      errno = EINVAL;
      CopyErr(err, n, "mount %s: the new mount is not a real %s", dest, m.fstype.c_str());
      rc = -1;
    }
  }
  if (rc == 0 && SetAttrs(mfd, m.rec_attr_set, m.rec_attr_clr, true) != 0) {
    CopyErr(err, n, "mount %s: set recursive attributes", dest);
    rc = -1;
  }
  if (rc == 0 && SetAttrs(mfd, m.attr_set, m.attr_clr, false) != 0) {
    CopyErr(err, n, "mount %s: set attributes", dest);
    rc = -1;
  }
  if (rc == 0 &&
      ::move_mount(mfd, "", tfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0) {
    CopyErr(err, n, "mount %s: attach", dest);
    rc = -1;
  }
  if (rc == 0 && m.propagation != 0) {
    mount_attr a{};
    a.propagation = m.propagation;
    if (::mount_setattr(mfd, "", AT_EMPTY_PATH | (m.propagation_recursive ? AT_RECURSIVE : 0), &a,
                        sizeof a) != 0) {
      CopyErr(err, n, "mount %s: set propagation", dest);
      rc = -1;
    }
  }
  int e = errno;
  ::close(mfd);
  ::close(tfd);
  errno = e;
  return rc;
}

int MaskPath(int rootfd, const char* path, int null_fd, char* err, size_t n) {
  int fd = sys::OpenAt2(rootfd, path, O_PATH | O_CLOEXEC, kResolve);
  if (fd < 0) {
    if (errno == ENOENT) return 0;
    CopyErr(err, n, "mask %s: open", path);
    return -1;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    CopyErr(err, n, "mask %s: stat", path);
    return -1;
  }
  int mfd;
  if (S_ISDIR(st.st_mode)) {
    int fsfd = ::fsopen("tmpfs", FSOPEN_CLOEXEC);
    mfd = -1;
    if (fsfd >= 0) {
      if (::fsconfig(fsfd, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) == 0)
        mfd = ::fsmount(fsfd, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY);
      ::close(fsfd);
    }
  } else {
    mfd = ::open_tree(null_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
  }
  int rc = 0;
  if (mfd < 0 ||
      ::move_mount(mfd, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0) {
    CopyErr(err, n, "mask %s", path);
    rc = -1;
  }
  int e = errno;
  if (mfd >= 0) ::close(mfd);
  ::close(fd);
  errno = e;
  return rc;
}

int ReadonlyPath(int rootfd, const char* path, char* err, size_t n) {
  int fd = sys::OpenAt2(rootfd, path, O_PATH | O_CLOEXEC, kResolve);
  if (fd < 0) {
    if (errno == ENOENT) return 0;
    CopyErr(err, n, "readonly path %s: open", path);
    return -1;
  }
  int rc = 0;
  int mfd = ::open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
  if (mfd < 0 || SetAttrs(mfd, MOUNT_ATTR_RDONLY, 0, true) != 0 ||
      ::move_mount(mfd, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0) {
    CopyErr(err, n, "readonly path %s", path);
    rc = -1;
  }
  int e = errno;
  if (mfd >= 0) ::close(mfd);
  ::close(fd);
  errno = e;
  return rc;
}

int BindFdOnto(int rootfd, int src_fd, const char* path, char* err, size_t n) {
  int fd = MkdirAllInRoot(rootfd, path, true, true);
  if (fd < 0) {
    CopyErr(err, n, "bind onto %s: create", path);
    return -1;
  }
  struct stat st;
  int rc = 0;
  if (::fstat(fd, &st) != 0 || S_ISLNK(st.st_mode) || S_ISDIR(st.st_mode)) {
    errno = EINVAL;
    CopyErr(err, n, "bind onto %s: target is not a file", path);
    rc = -1;
  }
  int mfd = -1;
  if (rc == 0) {
    mfd = ::open_tree(src_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
    if (mfd < 0 ||
        ::move_mount(mfd, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0) {
      CopyErr(err, n, "bind onto %s", path);
      rc = -1;
    }
  }
  int e = errno;
  if (mfd >= 0) ::close(mfd);
  ::close(fd);
  errno = e;
  return rc;
}

}  // namespace berth::runtime
