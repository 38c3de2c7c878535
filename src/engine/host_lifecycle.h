// What happens to a container over time, as docker's API carries it: the
// HostConfig's RestartPolicy and the Config's Healthcheck. Parsed and
// checked from the API's JSON and written back into the stored record;
// the restart and health machinery acts on them.
//
// Plain value types; no syscalls.
#pragma once

#include <nlohmann/json.hpp>

#include "base/error.h"

namespace berth::engine {

struct RestartPolicy {};
struct HealthConfig {};

// HostConfig.RestartPolicy; one-line errors fit for a 400.
Result<RestartPolicy> ParseRestartPolicy(const nlohmann::json& host_config);
void RestartPolicyToJson(const RestartPolicy& r, nlohmann::json* host_config);
// Config.Healthcheck.
Result<HealthConfig> ParseHealthConfig(const nlohmann::json& config);
void HealthConfigToJson(const HealthConfig& h, nlohmann::json* config);

}  // namespace berth::engine
