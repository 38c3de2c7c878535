// Idmapped mounts for layers outside the runtime (the image snapshotter):
// a user namespace that only carries an id mapping, and a detached bind of
// a directory whose files are seen through that mapping (mount_setattr
// MOUNT_ATTR_IDMAP, Linux 5.12+). A file owned by id K on disk appears
// owned by the host id that K maps to in the namespace: with "0 100000
// 65536", root's files show as 100000, which a container whose root is
// 100000 sees as its own root's.
//
// These allocate: call them from the daemon, never between clone and exec.
// Thread safety: none needed (no shared state); each call forks a
// short-lived child with raw clone, which only reads a pipe and exits.
#pragma once

#include <string>

#include "base/error.h"
#include "base/unique_fd.h"

namespace berth::sys {

// An fd of a fresh user namespace whose uid_map and gid_map are the given
// texts ("inside outside count" lines). The process that made it is gone
// when this returns; the fd keeps the namespace.
Result<UniqueFd> MakeIdmapUserns(const std::string& uid_map, const std::string& gid_map);

// A detached copy of the mount at `dir` (that directory's subtree only,
// not the mounts below it), idmapped through `userns_fd`. EINVAL when
// the filesystem cannot be idmapped (the caller may fall back).
Result<UniqueFd> OpenIdmappedDir(const std::string& dir, int userns_fd);

}  // namespace berth::sys
