// The flags of create/run for one area (--memory, --memory-swap, --memory-reservation,
// --oom-kill-disable, --kernel-memory, --cpus, --cpu-shares, --cpu-period, --cpu-quota,
// --cpuset-cpus, --cpuset-mems, --pids-limit, --blkio-weight, --device-read-bps and the rest,
// --ulimit, --shm-size), and what they put into the create request's Config and HostConfig, as
// docker 20.10's CLI sends them.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "base/error.h"

namespace berth::cli {

struct ResourceFlags {};

void AddResourceFlags(CLI::App* cmd, ResourceFlags* f);
// Adds the flags' fields to the request's Config and HostConfig; a
// one-line error for a value the CLI itself refuses (exit 125).
Status AddResourceBody(const ResourceFlags& f, nlohmann::json* config, nlohmann::json* host_config);

}  // namespace berth::cli
