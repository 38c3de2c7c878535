// Container records in the engine's SQLite DB (berth.db, beside the
// images): what was created from which image with which options, where its
// bundle and snapshot are, and its last known state.
//
// Names are unique (stored without docker's leading "/"). A container can
// be found as docker finds it: by full ID, then by name (with or without
// "/"), then by a unique ID prefix.
//
// Errors callers branch on carry an errno: EEXIST for a name or ID already
// taken (the message is docker's 409 text), ENOENT for no such container
// ("No such container: X"), EINVAL for an ambiguous prefix.
// Thread safety: safe to share; every call is one transaction.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "image/sqlite_db.h"

namespace berth::engine {

enum class ContainerStatus { kCreated, kRunning, kPaused, kRestarting, kRemoving, kExited, kDead };

// docker's names: "created", "running", ...
const char* StatusName(ContainerStatus s);
Result<ContainerStatus> ParseStatus(std::string_view name);

struct ContainerState {
  ContainerStatus status = ContainerStatus::kCreated;
  int64_t pid = 0;
  int64_t exit_code = 0;
  bool oom_killed = false;
  std::string started_at;   // RFC 3339, "" when never
  std::string finished_at;  // RFC 3339, "" when never
  int64_t restart_count = 0;
  std::string error;  // why it failed to start, as docker's State.Error
  // Written apart from the rest (SetManualStop, SetHealth), so that a state
  // write never undoes them:
  // stop or kill by the user: no restart under unless-stopped (nor under
  // any policy until the next start), remembered across daemon restarts.
  bool manual_stop = false;
  // docker's State.Health ({Status, FailingStreak, Log}); null when the
  // container runs no health check.
  nlohmann::json health;
};

// Running in docker's sense (State.Running): its process is there, frozen
// or not.
inline bool IsRunning(const ContainerState& s) {
  return s.status == ContainerStatus::kRunning || s.status == ContainerStatus::kPaused;
}

struct ContainerRecord {
  std::string id;                                         // 64 hex
  std::string name;                                       // without the leading "/"
  std::string image_id;                                   // "sha256:…"
  std::string image_ref;                                  // as the user named it
  std::string created;                                    // RFC 3339
  nlohmann::json config = nlohmann::json::object();       // ToJson(ContainerConfig)
  nlohmann::json host_config = nlohmann::json::object();  // ToJson(HostConfig)
  ContainerState state;
  std::string snapshot_key;  // the snapshotter's active key of its rootfs
  std::string bundle_dir;    // containers/<id>
  std::string log_path;      // its json-file log
};

class ContainerStore {
 public:
  // Opens the store's table in `db` (created if missing).
  static Result<ContainerStore> Open(std::shared_ptr<image::SqliteDb> db);

  // Adds a record; EEXIST when its name or ID is taken.
  Status Create(const ContainerRecord& rec);
  // Replaces a record's fields (but not its ID); ENOENT when missing,
  // EEXIST when the new name is another container's.
  Status Update(const ContainerRecord& rec);
  // Replaces the state alone (the common write: start, exit, ...).
  Status SetState(const std::string& id, const ContainerState& state);
  // The state fields kept apart (see ContainerState); ENOENT when missing.
  Status SetManualStop(const std::string& id, bool manual_stop);
  Status SetHealth(const std::string& id, const nlohmann::json& health);
  // docker rename; the same EEXIST as Create.
  Status Rename(const std::string& id, const std::string& new_name);
  // Removes a record; ENOENT when missing.
  Status Delete(const std::string& id);

  Result<std::optional<ContainerRecord>> Get(const std::string& id);
  // By full ID, name ("x" or "/x"), or unique ID prefix, in docker's order.
  Result<ContainerRecord> Lookup(const std::string& name_or_id);
  // The container named `name` ("x" or "/x"), if any.
  Result<std::optional<ContainerRecord>> GetByName(const std::string& name);
  // Every record, newest first.
  Result<std::vector<ContainerRecord>> List();

 private:
  explicit ContainerStore(std::shared_ptr<image::SqliteDb> db) : db_(std::move(db)) {}
  Status CheckNameFree(const std::string& name, const std::string& id);
  std::shared_ptr<image::SqliteDb> db_;
};

}  // namespace berth::engine
