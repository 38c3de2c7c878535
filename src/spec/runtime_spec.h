// The OCI runtime-spec (v1.0 to v1.2) configuration, as typed structs.
//
// ParseConfig() turns a config.json into a Config, checking types and the
// rules the spec states; every error names the JSON field that is wrong
// ("process.args: must be a non-empty array of strings"). No syscalls happen
// here: checks that need the host (does the rootfs exist, is a capability
// known to this kernel) belong to the runtime.
//
// Fields the runtime does not type yet (linux.resources, linux.seccomp,
// ...) are kept as raw JSON so that a caller can refuse them rather than
// ignore them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"

// GNU modes (-std=gnu++23, which TRY's statement expressions need) predefine
// the obsolete macro `linux` as 1, which would rename Config::linux below.
// Code that means the platform tests __linux__.
#undef linux

namespace berth::spec {

struct IdMapping {
  uint32_t container_id = 0;
  uint32_t host_id = 0;
  uint32_t size = 0;
};

struct User {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::optional<uint32_t> umask;
  std::vector<uint32_t> additional_gids;
  std::string username;
};

struct Rlimit {
  std::string type;  // "RLIMIT_NOFILE", ...
  uint64_t hard = 0;
  uint64_t soft = 0;
};

struct Capabilities {
  std::vector<std::string> bounding, effective, inheritable, permitted, ambient;
};

struct ConsoleSize {
  uint32_t height = 0;
  uint32_t width = 0;
};

struct Scheduler {
  std::string policy;  // "SCHED_OTHER", "SCHED_FIFO", ...
  int32_t nice = 0;
  int32_t priority = 0;
  std::vector<std::string> flags;  // "SCHED_FLAG_RESET_ON_FORK", ...
  uint64_t runtime = 0, deadline = 0, period = 0;
};

struct IoPriority {
  std::string io_class;  // "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE"
  int32_t priority = 0;
};

struct Process {
  bool terminal = false;
  std::optional<ConsoleSize> console_size;
  User user;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::string cwd;
  std::optional<Capabilities> capabilities;
  std::vector<Rlimit> rlimits;
  bool no_new_privileges = false;
  std::string apparmor_profile;
  std::string selinux_label;
  std::optional<int32_t> oom_score_adj;
  std::optional<Scheduler> scheduler;
  std::optional<IoPriority> io_priority;
};

struct Root {
  std::string path;
  bool readonly = false;
};

struct Mount {
  std::string destination;
  std::string type;
  std::string source;
  std::vector<std::string> options;
  std::vector<IdMapping> uid_mappings;
  std::vector<IdMapping> gid_mappings;
};

struct Hook {
  std::string path;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::optional<int32_t> timeout;  // seconds, > 0 when present
};

struct Hooks {
  std::vector<Hook> prestart, create_runtime, create_container, start_container, poststart,
      poststop;
};

// One of: pid network mount ipc uts user cgroup time.
struct Namespace {
  std::string type;
  std::string path;  // empty: create a new one
};

struct TimeOffset {
  int64_t secs = 0;
  uint32_t nanosecs = 0;
};

struct Device {
  std::string type;  // "c", "b", "u" or "p"
  std::string path;  // absolute, inside the container
  int64_t major = 0;
  int64_t minor = 0;
  std::optional<uint32_t> file_mode;
  std::optional<uint32_t> uid;
  std::optional<uint32_t> gid;
};

// One linux.resources.devices entry (the cgroup device allowlist).
struct DeviceRule {
  bool allow = false;
  std::string type;  // "a", "c", "b" or empty (= "a")
  std::optional<int64_t> major;
  std::optional<int64_t> minor;
  std::string access;  // subset of "rwm", empty = "rwm"
};

struct Personality {
  std::string domain;  // "LINUX" or "LINUX32"
  std::vector<std::string> flags;
};

struct Linux {
  std::vector<Namespace> namespaces;
  std::vector<IdMapping> uid_mappings;
  std::vector<IdMapping> gid_mappings;
  std::map<std::string, TimeOffset> time_offsets;  // "monotonic", "boottime"
  std::vector<Device> devices;
  std::string cgroups_path;
  std::vector<DeviceRule> device_rules;  // linux.resources.devices
  // linux.resources without its "devices" key; null when absent or empty.
  nlohmann::json resources_other;
  std::map<std::string, std::string> sysctl;
  std::string rootfs_propagation;  // "", "private", "rprivate", "shared", ...
  std::vector<std::string> masked_paths;
  std::vector<std::string> readonly_paths;
  std::string mount_label;
  std::optional<Personality> personality;
  nlohmann::json seccomp;     // null when absent
  nlohmann::json intel_rdt;   // null when absent
};

struct Config {
  std::string oci_version;
  Root root;
  std::optional<Process> process;
  std::string hostname;
  std::string domainname;
  std::vector<Mount> mounts;
  Hooks hooks;
  std::map<std::string, std::string> annotations;
  std::optional<Linux> linux;
};

// Parses and validates a config.json document. Errors name the field.
Result<Config> ParseConfig(std::string_view json_text);
// Same, from an already-parsed document.
Result<Config> ConfigFromJson(const nlohmann::json& doc);

// Serializes a Config back to runtime-spec JSON (round-trips ParseConfig).
nlohmann::json ConfigToJson(const Config& config);

// True for ociVersion values this runtime accepts: 1.0.0 up to 1.2.x.
bool IsSupportedOciVersion(std::string_view version);

// The config.json `berth-runtime spec` writes: runc 1.1's default (rootful),
// or its --rootless variant. The rootless one maps container root to the
// caller's effective uid and gid (geteuid/getegid), as runc does.
nlohmann::json DefaultConfig(bool rootless);
// Same, mapping container root to host_uid/host_gid when rootless.
nlohmann::json DefaultConfig(bool rootless, uint32_t host_uid, uint32_t host_gid);

// Known names, for validation and `features`.
const std::vector<std::string>& KnownNamespaceTypes();
const std::vector<std::string>& KnownCapabilities();  // "CAP_CHOWN", ... up to CAP_CHECKPOINT_RESTORE
const std::vector<std::string>& KnownRlimits();       // "RLIMIT_AS", ...
const std::vector<std::string>& KnownMountOptions();  // what the runtime's mount code accepts

}  // namespace berth::spec
