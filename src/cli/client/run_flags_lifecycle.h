// The flags of create/run for one area (--restart, --health-cmd, --health-interval,
// --health-timeout, --health-retries, --health-start-period, --no-healthcheck), and what they put
// into the create request's Config and HostConfig, as docker 20.10's CLI sends them.
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "base/error.h"

namespace berth::cli {

struct LifecycleFlags {
  std::string restart;  // "no", "always", "unless-stopped", "on-failure[:N]"
  std::string health_cmd;
  // Go durations as given ("200ms", "1m30s"); empty: not given.
  std::string health_interval, health_timeout, health_start_period;
  int64_t health_retries = 0;
  bool no_healthcheck = false;
};

void AddLifecycleFlags(CLI::App* cmd, LifecycleFlags* f);
// Adds the flags' fields to the request's Config and HostConfig; a
// one-line error for a value the CLI itself refuses (exit 125).
Status AddLifecycleBody(const LifecycleFlags& f, nlohmann::json* config,
                        nlohmann::json* host_config);

// A duration as Go's time.ParseDuration reads it ("1.5s", "1m30s",
// "200ms", "-2s", "0"), in nanoseconds. Error: "time: invalid duration
// \"x\"", as docker's flag parser words it.
Result<int64_t> ParseGoDuration(const std::string& text);

}  // namespace berth::cli
