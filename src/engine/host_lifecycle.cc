#include "engine/host_lifecycle.h"

namespace berth::engine {

Result<RestartPolicy> ParseRestartPolicy(const nlohmann::json&) { return RestartPolicy{}; }

void RestartPolicyToJson(const RestartPolicy&, nlohmann::json*) {}

Result<HealthConfig> ParseHealthConfig(const nlohmann::json&) { return HealthConfig{}; }

void HealthConfigToJson(const HealthConfig&, nlohmann::json*) {}

}  // namespace berth::engine
