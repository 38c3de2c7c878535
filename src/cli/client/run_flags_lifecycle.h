// The flags of create/run for one area (--restart, --health-cmd, --health-interval,
// --health-timeout, --health-retries, --health-start-period, --no-healthcheck), and what they put
// into the create request's Config and HostConfig, as docker 20.10's CLI sends them.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "base/error.h"

namespace berth::cli {

struct LifecycleFlags {};

void AddLifecycleFlags(CLI::App* cmd, LifecycleFlags* f);
// Adds the flags' fields to the request's Config and HostConfig; a
// one-line error for a value the CLI itself refuses (exit 125).
Status AddLifecycleBody(const LifecycleFlags& f, nlohmann::json* config,
                        nlohmann::json* host_config);

}  // namespace berth::cli
