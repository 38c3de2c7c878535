// What happens to a container over time, as docker's API carries it: the
// HostConfig's RestartPolicy and the Config's Healthcheck. Parsed and
// checked from the API's JSON and written back into the stored record;
// the restart and health machinery acts on them.
//
// Plain value types; no syscalls.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"

namespace berth::engine {

// HostConfig.RestartPolicy. Name is "" or "no" (never restart), "always",
// "unless-stopped" or "on-failure" (MaximumRetryCount 0: no limit).
struct RestartPolicy {
  std::string name;
  int64_t maximum_retry_count = 0;
  bool IsNone() const { return name.empty() || name == "no"; }
};

// Config.Healthcheck, durations in nanoseconds as the API carries them (0:
// the default, or the image's). `present` is false when the field was
// absent or null (then the image's HEALTHCHECK applies whole).
struct HealthConfig {
  bool present = false;
  std::vector<std::string> test;  // ["NONE"], ["CMD", args...], ["CMD-SHELL", cmd], [] (inherit)
  int64_t interval = 0;
  int64_t timeout = 0;
  int64_t start_period = 0;
  int64_t retries = 0;
};

// docker's defaults for a probe setting left at 0.
inline constexpr int64_t kDefaultProbeInterval = 30'000'000'000;  // 30 s
inline constexpr int64_t kDefaultProbeTimeout = 30'000'000'000;   // 30 s
inline constexpr int64_t kDefaultProbeRetries = 3;
// docker's smallest accepted Interval, Timeout and StartPeriod (1 ms).
inline constexpr int64_t kMinimumProbeDuration = 1'000'000;

// HostConfig.RestartPolicy with dockerd's checks ("invalid restart policy
// 'x'", "maximum retry count cannot be used with restart policy 'always'",
// "maximum retry count cannot be negative", and AutoRemove with a policy:
// "can't create 'AutoRemove' container with restart policy"); one-line
// errors fit for a 400.
Result<RestartPolicy> ParseRestartPolicy(const nlohmann::json& host_config);
void RestartPolicyToJson(const RestartPolicy& r, nlohmann::json* host_config);
// Config.Healthcheck, with dockerd's checks ("Interval in Healthcheck
// cannot be less than 1ms", "Retries in Healthcheck cannot be negative").
Result<HealthConfig> ParseHealthConfig(const nlohmann::json& config);
void HealthConfigToJson(const HealthConfig& h, nlohmann::json* config);

// The health check a container runs: its own Config.Healthcheck merged
// over the image's (image_config's "Healthcheck"), as dockerd merges them
// at create: an absent one takes the image's whole; an empty Test, or a
// zero duration or retry count, takes the image's value.
HealthConfig MergeHealthConfig(const HealthConfig& container, const nlohmann::json& image_config);
// Whether `h` (merged) makes the container run checks: a Test that is
// neither empty nor ["NONE"].
bool HasHealthcheck(const HealthConfig& h);
// The command a check runs: CMD's arguments, or CMD-SHELL's string under
// "/bin/sh -c". Empty for a test of another kind.
std::vector<std::string> HealthCommand(const HealthConfig& h);

}  // namespace berth::engine
