// A container's storage options as docker's HostConfig carries them
// (Binds, Mounts, Tmpfs, VolumesFrom, VolumeDriver) and the anonymous
// volumes of Config.Volumes and the image's VOLUME: parsed and checked
// from the API's JSON, written back into the stored record, and turned
// into the list of the container's mount points (what inspect's Mounts
// shows and what start mounts).
//
// Value types and pure functions, with one exception: ParseStorage looks
// at the host's bind sources (lstat/stat only), since docker refuses a
// missing --mount source and a dangling symlink before anything exists.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"

namespace berth::engine {

// One mount of a container, as docker's MountPoint.
struct MountPoint {
  std::string type;         // "bind", "volume" or "tmpfs"
  std::string source;       // bind: host path; volume: its name ("" before naming)
  std::string destination;  // absolute, clean
  bool read_only = false;
  std::string mode;         // -v's option string as docker shows it ("ro", "z", "")
  std::string propagation;  // bind: "rprivate" unless given; "" otherwise
  // -v creates a missing bind source as a directory; --mount refuses it.
  bool create_source = false;
  bool anonymous = false;                            // a volume named by the engine
  bool no_copy = false;                              // volume: not seeded from the image
  std::map<std::string, std::string> volume_labels;  // --mount volume-label
  std::string volume_driver;
  std::map<std::string, std::string> driver_options;  // --mount volume-opt
  int64_t tmpfs_size = 0;                             // bytes; 0: the kernel's default
  uint32_t tmpfs_mode = 0;                            // 0: the kernel's default (1777)
  std::string tmpfs_options;                          // HostConfig.Tmpfs's raw option string
  // From HostConfig.Tmpfs (docker leaves these out of inspect's Mounts).
  bool from_tmpfs_map = false;
};

struct StorageOptions {
  std::vector<std::string> binds;   // as given
  nlohmann::json mounts = nullptr;  // as given (written back as is)
  std::map<std::string, std::string> tmpfs;
  std::vector<std::string> volumes_from;
  std::string volume_driver;
  // Binds, Mounts and Tmpfs parsed, in that order.
  std::vector<MountPoint> points;
};

// Reads the storage fields of a HostConfig object; one-line errors naming
// the field and the cause, fit for a 400 (docker's messages where it has
// one): relative or duplicate destinations, a volume name with a slash,
// bad options, a --mount bind source that does not exist, a -v source
// that is a dangling symlink.
Result<StorageOptions> ParseStorage(const nlohmann::json& host_config);
// As ParseStorage, without looking at the host (for a stored record, whose
// bind sources may have changed since it was created).
Result<StorageOptions> ParseStoredStorage(const nlohmann::json& host_config);
// Writes the fields into a HostConfig object (the stored and inspected form).
void StorageToJson(const StorageOptions& s, nlohmann::json* host_config);

// One "SRC:DST[:OPTS]" of HostConfig.Binds (or "DST" alone: an anonymous
// volume).
Result<MountPoint> ParseBind(const std::string& bind);
// One "size=64m,mode=1777" option string of HostConfig.Tmpfs.
Result<MountPoint> ParseTmpfs(const std::string& destination, const std::string& options);
// One "NAME[:ro|rw]" of HostConfig.VolumesFrom.
struct VolumesFrom {
  std::string container;
  std::optional<bool> read_only;  // unset: each mount keeps its own mode
};
Result<VolumesFrom> ParseVolumesFrom(const std::string& spec);

// docker's rule for a local volume's name: [a-zA-Z0-9][a-zA-Z0-9_.-]+,
// with docker's message otherwise.
Status CheckVolumeName(const std::string& name);

// The name of the anonymous volume a container gets at `destination`: 64
// hex digits, fixed for the container and path, so that the container's
// record alone says which volumes are its own.
std::string AnonymousVolumeName(const std::string& container_id, const std::string& destination);

// The container's own mount points: its Binds, Mounts and Tmpfs, then an
// anonymous volume for each path of Config.Volumes and of the image's
// Config.Volumes (`image_volumes`) that none of those covers. Without
// VolumesFrom (which needs the other containers).
std::vector<MountPoint> OwnMountPoints(const std::string& container_id,
                                       const StorageOptions& storage,
                                       const std::vector<std::string>& config_volumes,
                                       const nlohmann::json& image_config);

// Inspect's Mounts entry of one mount point; `volumes_dir` is the data
// root's volumes/ directory (a volume's Source is volumes_dir/NAME/_data).
nlohmann::json MountPointJson(const MountPoint& m, const std::string& volumes_dir);

}  // namespace berth::engine
