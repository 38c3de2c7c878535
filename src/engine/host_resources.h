// A container's resource limits as docker's HostConfig carries them
// (Memory, NanoCpus, CpuShares, PidsLimit, BlkioWeight, Ulimits, ShmSize,
// ...): parsed and checked from the API's JSON, written back into the
// stored record, and applied to the OCI spec (linux.resources, rlimits,
// /dev/shm's size).
//
// Plain value types; no syscalls.
#pragma once

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "spec/runtime_spec.h"

namespace berth::engine {

struct Resources {};

// Reads the resource fields of a HostConfig object; one-line errors
// naming the field and the cause, fit for a 400.
Result<Resources> ParseResources(const nlohmann::json& host_config);
// Writes the fields into a HostConfig object (the stored and inspected form).
void ResourcesToJson(const Resources& r, nlohmann::json* host_config);
// Puts the limits into the container's spec.
Status ApplyResources(const Resources& r, spec::Config* config);

}  // namespace berth::engine
