// The flags of create/run for one area (-v/--volume, --mount, --tmpfs, --volumes-from,
// --volume-driver), and what they put into the create request's Config and HostConfig, as
// docker 20.10's CLI sends them.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "base/error.h"

namespace berth::cli {

struct StorageFlags {
  std::vector<std::string> volumes;       // -v SRC:DST[:OPTS] or DST
  std::vector<std::string> mounts;        // --mount type=...,source=...,target=...
  std::vector<std::string> tmpfs;         // --tmpfs DST[:OPTS]
  std::vector<std::string> volumes_from;  // --volumes-from NAME[:ro|rw]
  std::string volume_driver;
};

void AddStorageFlags(CLI::App* cmd, StorageFlags* f);
// Adds the flags' fields to the request's Config and HostConfig; a
// one-line error for a value the CLI itself refuses (exit 125).
Status AddStorageBody(const StorageFlags& f, nlohmann::json* config, nlohmann::json* host_config);

// One --mount value as HostConfig.Mounts' entry (docker's CSV keys).
Result<nlohmann::json> ParseMountFlag(const std::string& value);

}  // namespace berth::cli
