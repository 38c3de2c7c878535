#include "engine/host_lifecycle.h"

#include <cstdint>

#include "spec/json_reader.h"

namespace berth::engine {
namespace {

using nlohmann::json;
using spec::Member;

Result<int64_t> ReadDuration(const json& hc, const char* key) {
  const json* m = Member(hc, key);
  if (m == nullptr) return int64_t{0};
  return spec::ReadInt(*m, std::string("Config.Healthcheck.") + key, INT64_MIN, INT64_MAX);
}

// dockerd's own words for a duration below its minimum.
Status CheckMinimum(int64_t v, const char* what) {
  if (v != 0 && v < kMinimumProbeDuration)
    return FailAs(EINVAL, "{} in Healthcheck cannot be less than 1ms", what);
  return Ok();
}

}  // namespace

Result<RestartPolicy> ParseRestartPolicy(const json& host_config) {
  RestartPolicy r;
  const json* p = Member(host_config, "RestartPolicy");
  if (p != nullptr) {
    TRY(spec::ExpectObject(*p, "HostConfig.RestartPolicy"));
    TRY(spec::ReadField(*p, "Name", "HostConfig.RestartPolicy", &r.name));
    TRY(spec::ReadField(*p, "MaximumRetryCount", "HostConfig.RestartPolicy",
                        &r.maximum_retry_count));
  }
  if (r.name == "always" || r.name == "unless-stopped" || r.name == "no") {
    if (r.maximum_retry_count != 0)
      return FailAs(EINVAL, "maximum retry count cannot be used with restart policy '{}'", r.name);
  } else if (r.name == "on-failure") {
    if (r.maximum_retry_count < 0) return FailAs(EINVAL, "maximum retry count cannot be negative");
  } else if (!r.name.empty()) {
    return FailAs(EINVAL, "invalid restart policy '{}'", r.name);
  }
  const json* auto_remove = Member(host_config, "AutoRemove");
  if (auto_remove != nullptr && auto_remove->is_boolean() && auto_remove->get<bool>() &&
      !r.IsNone())
    return FailAs(EINVAL, "can't create 'AutoRemove' container with restart policy");
  return r;
}

void RestartPolicyToJson(const RestartPolicy& r, json* host_config) {
  // No policy shows as "no", as before a policy was ever given.
  (*host_config)["RestartPolicy"] = {{"Name", r.name.empty() ? "no" : r.name},
                                     {"MaximumRetryCount", r.maximum_retry_count}};
}

Result<HealthConfig> ParseHealthConfig(const json& config) {
  HealthConfig h;
  const json* hc = Member(config, "Healthcheck");
  if (hc == nullptr) return h;
  TRY(spec::ExpectObject(*hc, "Config.Healthcheck"));
  h.present = true;
  if (const json* t = Member(*hc, "Test"))
    h.test = TRY(spec::ReadStrings(*t, "Config.Healthcheck.Test"));
  h.interval = TRY(ReadDuration(*hc, "Interval"));
  h.timeout = TRY(ReadDuration(*hc, "Timeout"));
  h.start_period = TRY(ReadDuration(*hc, "StartPeriod"));
  h.retries = TRY(ReadDuration(*hc, "Retries"));
  if (!h.test.empty() && h.test[0] != "NONE" && h.test[0] != "CMD" && h.test[0] != "CMD-SHELL")
    return FailAs(EINVAL, "Config.Healthcheck.Test: unknown type {} (NONE, CMD or CMD-SHELL)",
                  spec::Quote(h.test[0]));
  if (h.test.size() == 1 && h.test[0] != "NONE")
    return FailAs(EINVAL, "Config.Healthcheck.Test: {} needs a command", h.test[0]);
  TRY(CheckMinimum(h.interval, "Interval"));
  TRY(CheckMinimum(h.timeout, "Timeout"));
  if (h.retries < 0) return FailAs(EINVAL, "Retries in Healthcheck cannot be negative");
  TRY(CheckMinimum(h.start_period, "StartPeriod"));
  return h;
}

void HealthConfigToJson(const HealthConfig& h, json* config) {
  if (!h.present) return;
  json j = {{"Test", h.test}};
  // docker omits zero durations (omitempty).
  if (h.interval) j["Interval"] = h.interval;
  if (h.timeout) j["Timeout"] = h.timeout;
  if (h.start_period) j["StartPeriod"] = h.start_period;
  if (h.retries) j["Retries"] = h.retries;
  (*config)["Healthcheck"] = j;
}

HealthConfig MergeHealthConfig(const HealthConfig& container, const json& image_config) {
  HealthConfig image;
  if (image_config.is_object()) {
    // An image's HEALTHCHECK is trusted as stored; one that does not parse
    // counts as none.
    if (auto parsed = ParseHealthConfig(image_config)) image = *parsed;
  }
  if (!container.present) return image;
  HealthConfig m = container;
  if (m.test.empty()) m.test = image.test;
  if (m.interval == 0) m.interval = image.interval;
  if (m.timeout == 0) m.timeout = image.timeout;
  if (m.start_period == 0) m.start_period = image.start_period;
  if (m.retries == 0) m.retries = image.retries;
  return m;
}

bool HasHealthcheck(const HealthConfig& h) { return !h.test.empty() && h.test[0] != "NONE"; }

std::vector<std::string> HealthCommand(const HealthConfig& h) {
  if (h.test.size() >= 2 && h.test[0] == "CMD") return {h.test.begin() + 1, h.test.end()};
  if (h.test.size() >= 2 && h.test[0] == "CMD-SHELL") {
    // dockerd appends CMD-SHELL's words to the shell's.
    std::vector<std::string> cmd = {"/bin/sh", "-c"};
    cmd.insert(cmd.end(), h.test.begin() + 1, h.test.end());
    return cmd;
  }
  return {};
}

}  // namespace berth::engine
