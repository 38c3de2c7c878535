// A container's security options as docker's HostConfig carries them
// (Privileged, CapAdd, CapDrop, SecurityOpt, ReadonlyRootfs, Devices,
// DeviceCgroupRules, GroupAdd, Sysctls, UsernsMode): parsed and checked
// from the API's JSON, written back into the stored record, and applied
// over the baseline spec that BuildContainerSpec made.
//
// Plain value types; no syscalls.
#pragma once

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "spec/runtime_spec.h"

namespace berth::engine {

struct SecurityOptions {
  bool privileged = false;
};

// Reads the security fields of a HostConfig object; one-line errors
// naming the field and the cause, fit for a 400.
Result<SecurityOptions> ParseSecurity(const nlohmann::json& host_config);
// Writes the fields into a HostConfig object (the stored and inspected form).
void SecurityToJson(const SecurityOptions& s, nlohmann::json* host_config);
// Applies the options over the baseline in `config` (caps, seccomp,
// devices, masked paths, sysctls, ...).
Status ApplySecurity(const SecurityOptions& s, spec::Config* config);

}  // namespace berth::engine
