// A container's record under the runtime root: <root>/<id>/state.json,
// written atomically, plus <root>/<id>/exec.fifo while the container is
// created but not started. The record keeps what later verbs need: the
// init's pid and start time (so a recycled pid is never mistaken for the
// container), the cgroup dirs, and the config as it was at create.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/unique_fd.h"
#include "runtime/cgroup/cgroup.h"
#include "spec/runtime_state.h"

namespace berth::runtime {

struct ContainerRecord {
  std::string id;
  std::string bundle;
  std::string rootfs;
  int pid = 0;
  uint64_t pid_start_time = 0;  // field 22 of /proc/<pid>/stat
  std::string created;          // RFC 3339, UTC
  std::string owner;
  std::string oci_version;
  std::map<std::string, std::string> annotations;
  cgroup::Placement cgroup;
  bool has_cgroup = false;
  nlohmann::json config;  // the parsed config, for poststop hooks
  std::string dir;        // where the record lives (not stored in it)
};

// The directory of container `id`; validates the id (no '/', no "..").
Result<std::string> ContainerDir(const std::string& root, const std::string& id);
std::string FifoPath(const std::string& dir);

Status SaveRecord(const std::string& dir, const ContainerRecord& rec);
// Errors: "container X does not exist" when there is no record.
Result<ContainerRecord> LoadRecord(const std::string& root, const std::string& id);
// Every container under root, sorted by id; unreadable records are skipped.
Result<std::vector<ContainerRecord>> LoadAll(const std::string& root);

// The container's status now, from the kernel: stopped if the init is gone
// (or its pid now belongs to another process); created while the exec fifo
// exists, unless paused: its freezer is frozen; running otherwise.
spec::Status CurrentStatus(const ContainerRecord& rec);
spec::State ToState(const ContainerRecord& rec);

// Start time of a pid in clock ticks since boot, 0 if it does not exist or
// is a zombie.
uint64_t PidStartTime(pid_t pid);

// An exclusive flock on the container dir, so verbs on one container
// (start vs delete, two deletes) never interleave. Released on destruction.
Result<UniqueFd> LockContainer(const std::string& dir);


}  // namespace berth::runtime
