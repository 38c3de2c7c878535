// A container's security options as docker's HostConfig carries them
// (Privileged, CapAdd, CapDrop, SecurityOpt, ReadonlyRootfs, Devices,
// DeviceCgroupRules, GroupAdd, Sysctls; UsernsMode is container_config's):
// parsed and checked from the API's JSON, written back into the stored
// record, checked against the host when the container is created, and
// applied over the baseline spec that BuildContainerSpec made.
//
// ParseSecurity and SecurityToJson are pure; CheckSecurityOnHost and
// ApplySecurity read the host (/proc/self/status, /dev, the container's
// /etc/group). All are thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "engine/host_devices.h"
#include "engine/sysctls.h"
#include "spec/runtime_spec.h"

namespace berth::engine {

struct ContainerSpecInput;  // engine/container_spec.h

// What HostConfig.SecurityOpt says about seccomp.
enum class SeccompMode { kDefault, kUnconfined, kProfile };

struct SecurityOptions {
  // The fields as given (stored and shown by inspect as docker does).
  bool privileged = false;
  std::vector<std::string> cap_add, cap_drop;
  std::vector<std::string> security_opt;
  bool readonly_rootfs = false;
  std::vector<DeviceMapping> devices;
  std::vector<std::string> device_cgroup_rules;
  std::vector<std::string> group_add;
  std::map<std::string, std::string> sysctls;
  // MaskedPaths/ReadonlyPaths (API 1.40): replace the defaults when given
  // (docker's CLI sends both empty for --security-opt systempaths=unconfined).
  std::optional<std::vector<std::string>> masked_paths, readonly_paths;

  // What they mean, derived by ParseSecurity.
  std::vector<std::string> cap_add_names, cap_drop_names;  // normalized: "CAP_X" or "ALL"
  bool no_new_privileges = false;
  SeccompMode seccomp = SeccompMode::kDefault;
  nlohmann::json seccomp_profile;              // kProfile: the docker-format profile
  std::vector<spec::DeviceRule> cgroup_rules;  // from device_cgroup_rules
};

// Reads the security fields of a HostConfig object; one-line errors naming
// the field and the cause, fit for a 400. `ns` says which namespaces the
// container has of its own, for the sysctls that need one.
Result<SecurityOptions> ParseSecurity(const nlohmann::json& host_config, SysctlNamespaces ns);
// Writes the fields into a HostConfig object (the stored and inspected form).
void SecurityToJson(const SecurityOptions& s, nlohmann::json* host_config);

// The checks docker makes when the container is started, made already at
// create so that a bad request leaves nothing behind: every capability
// asked for is one this host can grant, every --device exists, a seccomp
// profile compiles.
Status CheckSecurityOnHost(const SecurityOptions& s);

// Applies the options over the baseline in `config`: capabilities, no new
// privileges, seccomp, a read-only root, devices and their cgroup rules,
// additional groups (resolved in the container's /etc/group), sysctls, and
// for a privileged container all devices, no seccomp, no masked or
// read-only paths and a writable /sys. `in` is what the spec was built
// from (the rootfs, the user's mounts).
Status ApplySecurity(const SecurityOptions& s, const ContainerSpecInput& in, spec::Config* config);

}  // namespace berth::engine
