// userns-remap: the daemon setting that runs every container's root as an
// unprivileged subordinate user of the host, as dockerd's --userns-remap.
//
// The setting names a user: "USER", "USER:GROUP", "UID", "UID:GID", or
// "default" (the user "dockremap", created with its ranges when missing,
// as dockerd does). Its first range in /etc/subuid and /etc/subgid becomes
// the containers' id maps: container ids 0..N-1 are host ids START..START+N-1.
// A container with HostConfig.UsernsMode "host" keeps the host's ids.
//
// Thread safety: a UsernsRemap is a value, read-only once resolved at
// start-up. The functions that write (EnsureDefaultRemapUser,
// PrepareVolumeForRemap) touch only the files they name.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/error.h"
#include "engine/container_config.h"
#include "engine/container_spec.h"
#include "spec/runtime_spec.h"

namespace berth::engine {

struct SubordinateRange {
  uint32_t start = 0;
  uint32_t size = 0;
};

// What the setting resolved to. Disabled (the default) when `setting` is "".
struct UsernsRemap {
  std::string setting;  // as configured, for messages
  std::string user;     // the user whose ranges are used
  std::string group;
  SubordinateRange uids, gids;

  bool enabled() const { return uids.size > 0; }
  // The host ids of the container's root.
  uint32_t root_uid() const { return uids.start; }
  uint32_t root_gid() const { return gids.start; }
  std::vector<spec::IdMapping> UidMappings() const;
  std::vector<spec::IdMapping> GidMappings() const;
};

// Where the account files are (tests point these at temp files).
struct AccountFiles {
  std::string subuid = "/etc/subuid";
  std::string subgid = "/etc/subgid";
};

// The first range of `name` (or of the numeric `id`, which newer shadow
// files may use) in the text of a subuid/subgid file; ENOENT when none.
Result<SubordinateRange> FirstSubordinateRange(const std::string& file_text,
                                               const std::string& name, uint32_t id);

// Where a new range of `size` ids fits in a subuid/subgid file: the first
// gap from 100000 up that no listed range overlaps (dockerd's choice).
uint32_t NextFreeRange(const std::string& file_text, uint32_t size);

// Resolves the setting against the account database and the subordinate
// files. "default" creates the user dockremap (useradd) and appends its
// ranges when missing, and nothing else. Errors are one line naming the
// setting and the cause (unknown user, no range in /etc/subuid).
Result<UsernsRemap> ResolveUsernsRemap(const std::string& setting, const AccountFiles& files = {});

// For the volumes code: makes a host directory that a remapped container
// mounts (a volume's _data) owned by the container's root, as dockerd
// creates volume directories under remap. Only the directory itself, and
// only when it is still owned by the host's root (a volume already in use
// keeps what its containers gave it). Nothing when remap is disabled.
Status PrepareVolumeForRemap(const std::string& dir, const UsernsRemap& remap);

// Whether a container with this HostConfig.UsernsMode runs remapped.
inline bool RemappedFor(const UsernsRemap& remap, const std::string& userns_mode) {
  return remap.enabled() && userns_mode != "host";
}

// Docker's refusals at create (and again at start, for a container created
// before remap was on): under remap, --privileged, --net host and --pid
// host need --userns=host. EINVAL with dockerd's message.
Status CheckUsernsRemap(const UsernsRemap& remap, const HostConfig& host_config);

// The start driver's userns step for a remapped container (nothing
// otherwise): the maps into `in`; or, when it joins the pid, net or ipc
// namespace of a container running in a user namespace, that namespace
// instead (a namespace is only usable from the user namespace owning it,
// as docker makes them share it). The bundle dir (in.container_dir)
// becomes searchable by the remapped root, whose runtime init resolves
// the rootfs and the bind sources in it from inside the namespace: mode
// 0710, group the remapped root's, as dockerd makes its container dirs.
Status ApplyUsernsRemap(const UsernsRemap& remap, const HostConfig& host_config,
                        ContainerSpecInput& in);

}  // namespace berth::engine
