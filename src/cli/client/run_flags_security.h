// The flags of create/run for one area (--privileged, --cap-add, --cap-drop, --security-opt,
// --read-only, --device, --device-cgroup-rule, --group-add, --sysctl, --userns), and what they put
// into the create request's Config and HostConfig, as docker 20.10's CLI sends them.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "base/error.h"

namespace berth::cli {

struct SecurityFlags {};

void AddSecurityFlags(CLI::App* cmd, SecurityFlags* f);
// Adds the flags' fields to the request's Config and HostConfig; a
// one-line error for a value the CLI itself refuses (exit 125).
Status AddSecurityBody(const SecurityFlags& f, nlohmann::json* config, nlohmann::json* host_config);

}  // namespace berth::cli
