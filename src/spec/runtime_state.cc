#include "spec/runtime_state.h"

#include "spec/json_reader.h"

namespace berth::spec {
namespace {

using nlohmann::json;

constexpr Status kStatuses[] = {Status::kCreating, Status::kCreated, Status::kRunning,
                                Status::kPaused, Status::kStopped};

Result<State> ParseState(const json& doc) {
  if (!doc.is_object()) return Fail("state: must be a JSON object");
  State s;
  TRY(ReadRequired(doc, "ociVersion", "", &s.oci_version));
  TRY(ReadRequired(doc, "id", "", &s.id));
  if (s.id.empty()) return Fail("id: must not be empty");
  std::string status;
  TRY(ReadRequired(doc, "status", "", &status));
  bool known = false;
  for (Status candidate : kStatuses) {
    if (status == StatusName(candidate)) {
      s.status = candidate;
      known = true;
    }
  }
  if (!known) return Fail("status: unknown status {}", Quote(status));
  TRY(ReadField(doc, "pid", "", &s.pid));
  if (s.pid < 0) return Fail("pid: must not be negative");
  TRY(ReadRequired(doc, "bundle", "", &s.bundle));
  TRY(ReadField(doc, "annotations", "", &s.annotations));
  return s;
}

}  // namespace

const char* StatusName(Status s) {
  switch (s) {
    case Status::kCreating:
      return "creating";
    case Status::kCreated:
      return "created";
    case Status::kRunning:
      return "running";
    case Status::kPaused:
      return "paused";
    case Status::kStopped:
      return "stopped";
  }
  return "unknown";
}

json StateToJson(const State& state) {
  json out = {{"ociVersion", state.oci_version},
              {"id", state.id},
              {"status", StatusName(state.status)},
              {"bundle", state.bundle}};
  // The spec requires pid while created or running; a stopped container
  // has none to report.
  if (state.pid != 0 && state.status != Status::kStopped) out["pid"] = state.pid;
  if (!state.annotations.empty()) out["annotations"] = state.annotations;
  return out;
}

Result<State> StateFromJson(const json& doc) {
  try {
    return ParseState(doc);
  } catch (const json::exception& e) {
    return Fail("state: {}", e.what());
  }
}

}  // namespace berth::spec
