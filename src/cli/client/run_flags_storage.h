// The flags of create/run for one area (-v/--volume, --mount, --tmpfs, --volumes-from,
// --volume-driver), and what they put into the create request's Config and HostConfig, as
// docker 20.10's CLI sends them.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "base/error.h"

namespace berth::cli {

struct StorageFlags {};

void AddStorageFlags(CLI::App* cmd, StorageFlags* f);
// Adds the flags' fields to the request's Config and HostConfig; a
// one-line error for a value the CLI itself refuses (exit 125).
Status AddStorageBody(const StorageFlags& f, nlohmann::json* config, nlohmann::json* host_config);

}  // namespace berth::cli
