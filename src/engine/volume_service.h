// The daemon's volumes (docker's "local" driver): named and anonymous
// directories under <data_root>/volumes/<name>/_data that containers mount,
// with their records in berth.db (volume_store.h).
//
// A volume with the local driver's options (type, device, o, as for
// `docker volume create -o type=tmpfs -o device=tmpfs -o o=size=10m`, or
// type=none,o=bind,device=/path) is a mount: made on _data when a
// container using it starts (Activate), undone when no running container
// uses it any more (Release) and before the volume is removed.
//
// Which containers use a volume is the container service's knowledge: it
// hands in a function (SetUsers) that this service asks before removing
// or pruning, so that a volume in use is never removed (EBUSY, docker's
// "volume is in use" message, a 409).
//
// Errors carry an errno: ENOENT (no such volume: 404), EINVAL (bad name
// or option: 400), EBUSY (in use: 409).
// Thread safety: every method may be called from any thread; creation,
// removal and activation are serialized by one mutex.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "engine/volume_store.h"
#include "image/sqlite_db.h"

namespace berth::engine {

struct VolumeCreateRequest {
  std::string name;    // "" (or anonymous): a random 64-hex name
  std::string driver;  // "" or "local"
  std::map<std::string, std::string> options;
  std::map<std::string, std::string> labels;
  bool anonymous = false;
};

// A container holding a volume (mounted, or only referenced while stopped).
struct VolumeUser {
  std::string container_id;
  bool running = false;
};
using VolumeUsers = std::map<std::string, std::vector<VolumeUser>>;  // by volume name

class VolumeService {
 public:
  // Opens the volume records in `db` and makes <data_root>/volumes.
  static Result<std::unique_ptr<VolumeService>> Open(std::shared_ptr<image::SqliteDb> db,
                                                     const std::string& data_root);

  // Who uses which volume; set once by the container service before use.
  void SetUsers(std::function<Result<VolumeUsers>()> users);

  // docker volume create: a new volume, or the existing one of that name
  // (as docker answers a create of a name that exists). EINVAL for a bad
  // name, driver or option.
  Result<VolumeRecord> Create(const VolumeCreateRequest& request);
  // ENOENT "get X: no such volume".
  Result<VolumeRecord> Get(const std::string& name);
  Result<std::vector<VolumeRecord>> List();
  // docker volume rm: EBUSY when a container uses it (even `force` does
  // not take a volume from a container, as in docker). With `force`, a
  // missing volume is not an error.
  Status Remove(const std::string& name, bool force);
  // Removes the unused volumes `matches` accepts; returns their names and
  // the bytes freed.
  Result<std::pair<std::vector<std::string>, int64_t>> Prune(
      const std::function<bool(const VolumeRecord&)>& matches);
  // Everything the users function says, for ls's dangling filter and df.
  Result<VolumeUsers> Users();

  // The host path containers mount: volumes/<name>/_data.
  std::string DataDir(const std::string& name) const;
  const std::string& volumes_dir() const { return dir_; }
  // The bytes of the files under _data (docker's UsageData.Size).
  int64_t Size(const std::string& name);

  // Before a container mounts the volume: the local driver's mount on
  // _data, when the volume has options and it is not mounted yet.
  Status Activate(const std::string& name);
  // Undoes Activate's mount unless a running container other than
  // `leaving` still uses the volume.
  void Release(const std::string& name, const std::string& leaving);

 private:
  VolumeService(VolumeStore store, std::string dir)
      : store_(std::move(store)), dir_(std::move(dir)) {}
  // Makes volumes/<name>/_data: the one place a volume's directory is made
  // (and where its owner under userns-remap will be set).
  Status MakeVolumeDir(const std::string& name);
  Status RemoveLocked(const VolumeRecord& rec, const VolumeUsers& users);

  VolumeStore store_;
  std::string dir_;
  std::recursive_mutex mu_;
  std::function<Result<VolumeUsers>()> users_;
};

}  // namespace berth::engine
