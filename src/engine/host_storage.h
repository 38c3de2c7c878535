// A container's storage options as docker's HostConfig carries them
// (Binds, Mounts, Tmpfs, VolumesFrom, VolumeDriver): parsed and checked
// from the API's JSON and written back into the stored record. Turning
// them into mounts (volumes created and seeded, bind sources checked)
// happens at start, in the engine's volume code.
//
// Plain value types; no syscalls.
#pragma once

#include <nlohmann/json.hpp>

#include "base/error.h"

namespace berth::engine {

struct StorageOptions {};

// Reads the storage fields of a HostConfig object; one-line errors naming
// the field and the cause, fit for a 400.
Result<StorageOptions> ParseStorage(const nlohmann::json& host_config);
// Writes the fields into a HostConfig object (the stored and inspected form).
void StorageToJson(const StorageOptions& s, nlohmann::json* host_config);

}  // namespace berth::engine
