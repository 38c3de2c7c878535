// The OCI runtime state: what `berth-runtime state ID` prints and what hooks
// read on stdin. The status strings are the spec's.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "base/error.h"

namespace berth::spec {

enum class Status { kCreating, kCreated, kRunning, kPaused, kStopped };

// "creating", "created", "running", "paused", "stopped".
const char* StatusName(Status s);

struct State {
  std::string oci_version;
  std::string id;
  Status status = Status::kCreating;
  int pid = 0;  // 0 once stopped
  std::string bundle;
  std::map<std::string, std::string> annotations;
};

// The spec's JSON shape: pid is omitted when the container is stopped.
nlohmann::json StateToJson(const State& state);
Result<State> StateFromJson(const nlohmann::json& doc);

}  // namespace berth::spec
