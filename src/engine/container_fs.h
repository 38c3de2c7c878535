// docker cp's paths inside a container's root filesystem, resolved on the
// host side by fd, never as strings re-resolved later.
//
// The root is a directory fd (a running container's /proc/<pid>/root, so
// that its volumes and bind mounts are seen as it sees them; a stopped
// one's overlay, mounted for the while). Every lookup is openat2 with
// RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS relative to that fd: a symlink
// in the container ("/etc -> /", "x -> ../../..", "y -> /proc/1/root")
// resolves as the container would resolve it, inside its root, and a
// /proc magic link is refused. What is opened is then used through its fd
// alone (fstatat, openat with O_NOFOLLOW, tree_tar's walk, layer_unpack's
// *at calls), so a directory swapped for a symlink during the copy can
// never redirect it to the host (CVE-2018-15664). Nothing here reads the
// container's files to run them: no NSS, no exec (CVE-2019-14271).
//
// Path semantics are docker's (daemon/archive.go): the path is absolute in
// the container ("a" is "/a"); for reading, the last component is not
// followed unless the path ends in "/" or "/." (then it must be a
// directory); for extraction, every component is followed.
// Thread-safe: pure functions over fds.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/unique_fd.h"

namespace berth::engine {

// A path as docker cp's API takes it.
struct CpPath {
  std::vector<std::string> parts;  // cleaned components below "/"
  bool trailing = false;           // ended in "/" or "/." (follow, must be a directory)
  bool dot = false;                // ended in "/." (the directory's contents)
  std::string Abs() const;         // "/a/b"
  // The name docker gives the top of the archive: the last component,
  // "." for "/.", "/" for the root.
  std::string BaseName() const;
};

CpPath ParseCpPath(std::string_view path);

// What HEAD /archive reports (X-Docker-Container-Path-Stat).
struct PathStat {
  std::string name;
  int64_t size = 0;
  uint32_t mode = 0;        // Go's os.FileMode bits, as docker sends them
  std::string mtime;        // RFC 3339 with nanoseconds
  std::string link_target;  // for a symlink: where it leads in the container, absolute
  bool is_dir = false;
};

// Go's os.FileMode of a stat mode: permission bits, and type and
// setuid/setgid/sticky in Go's high bits.
uint32_t GoFileMode(uint32_t st_mode);

// An object found for reading: the entry `name` of the directory `dirfd`
// ("." when the path led to a directory through a trailing "/", then
// `dirfd` is that directory itself).
struct CpTarget {
  UniqueFd dirfd;
  std::string name;
};

// The object `path` names inside `rootfd`, its last component not followed
// (unless trailing). ENOENT when it does not exist, ENOTDIR when a trailing
// "/" follows a non-directory.
Result<CpTarget> ResolveForRead(int rootfd, const CpPath& path);
Result<PathStat> StatTarget(int rootfd, const CpPath& path, const CpTarget& target);

// The directory `path` names inside `rootfd`, every component followed,
// opened O_RDONLY|O_DIRECTORY. ENOENT when missing, ENOTDIR when it is not
// a directory.
Result<UniqueFd> OpenDirForWrite(int rootfd, const CpPath& path);

// Where `path` leads with every link followed, as an absolute path in the
// container (docker's linkTarget); missing components are kept as named.
Result<std::string> FollowInRoot(int rootfd, const CpPath& path);

// The text of the regular file `path` ("/etc/passwd") inside `rootfd`,
// links resolved inside the root; "" when it does not exist. Read as
// bytes only: nothing of the container's is loaded or run.
Result<std::string> ReadFileInRootFd(int rootfd, const std::string& path);

}  // namespace berth::engine
