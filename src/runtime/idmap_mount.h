// Idmapped bind mounts (mount_setattr MOUNT_ATTR_IDMAP): files a bind mount
// shows are owned through an id mapping, so a container in a user namespace
// sees its image or volume owned by its own root without a chown of the
// files. The runtime makes these mounts on the host side, before the init
// exists: the mapping's user namespace is made by a short-lived child, and
// the detached, idmapped tree reaches the init as an inherited fd, which it
// only moves into place.
#pragma once

#include <string>
#include <vector>

#include "base/error.h"
#include "base/unique_fd.h"
#include "spec/runtime_spec.h"

namespace berth::runtime {

// "containerID hostID size" lines for /proc/PID/{uid,gid}_map.
std::string IdMapText(const std::vector<spec::IdMapping>& maps);

// A user namespace (as an fd of /proc/PID/ns/user) with these maps. The
// process that made it is gone when this returns.
Result<UniqueFd> MakeUsernsFd(const std::vector<spec::IdMapping>& uids,
                              const std::vector<spec::IdMapping>& gids);

// A detached copy of `source` (its whole tree if `recursive`), idmapped
// through `userns` (the top mount only unless `recursive_idmap`).
Result<UniqueFd> OpenIdmappedTree(const std::string& source, bool recursive, bool recursive_idmap,
                                  int userns);

}  // namespace berth::runtime
