#include "cli/client/run_flags_lifecycle.h"

#include <cctype>
#include <cmath>
#include <cstdlib>

namespace berth::cli {

using nlohmann::json;

Result<int64_t> ParseGoDuration(const std::string& text) {
  auto invalid = [&] { return Fail("time: invalid duration \"{}\"", text); };
  std::string s = text;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s = s.substr(1);
  }
  if (s == "0") return int64_t{0};
  if (s.empty()) return invalid();
  long double total = 0;
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) i++;
    if (i == start) return invalid();
    long double v = std::strtold(s.substr(start, i - start).c_str(), nullptr);
    size_t u = i;
    while (i < s.size() && !std::isdigit(static_cast<unsigned char>(s[i])) && s[i] != '.') i++;
    std::string unit = s.substr(u, i - u);
    long double scale;
    if (unit == "ns")
      scale = 1;
    else if (unit == "us" || unit == "µs")
      scale = 1e3L;
    else if (unit == "ms")
      scale = 1e6L;
    else if (unit == "s")
      scale = 1e9L;
    else if (unit == "m")
      scale = 60e9L;
    else if (unit == "h")
      scale = 3600e9L;
    else
      return unit.empty() ? Fail("time: missing unit in duration \"{}\"", text)
                          : Fail("time: unknown unit \"{}\" in duration \"{}\"", unit, text);
    total += v * scale;
  }
  if (total > 9.2e18L) return invalid();
  auto ns = static_cast<int64_t>(std::llround(static_cast<double>(total)));
  return neg ? -ns : ns;
}

void AddLifecycleFlags(CLI::App* cmd, LifecycleFlags* f) {
  cmd->add_option("--restart", f->restart, "restart policy to apply when a container exits");
  cmd->add_option("--health-cmd", f->health_cmd, "command to run to check health");
  cmd->add_option("--health-interval", f->health_interval,
                  "time between running the check (ms|s|m|h)");
  cmd->add_option("--health-timeout", f->health_timeout,
                  "maximum time to allow one check to run (ms|s|m|h)");
  cmd->add_option("--health-retries", f->health_retries,
                  "consecutive failures needed to report unhealthy");
  cmd->add_option("--health-start-period", f->health_start_period,
                  "start period for the container to initialize before starting health-retries "
                  "countdown (ms|s|m|h)");
  cmd->add_flag("--no-healthcheck", f->no_healthcheck,
                "disable any container-specified HEALTHCHECK");
}

Status AddLifecycleBody(const LifecycleFlags& f, json* config, json* host_config) {
  // --restart NAME[:N], split as docker's CLI does; the daemon judges the
  // name and count.
  if (!f.restart.empty()) {
    json policy = {{"Name", f.restart}, {"MaximumRetryCount", 0}};
    size_t colon = f.restart.find(':');
    if (colon != std::string::npos) {
      std::string count = f.restart.substr(colon + 1);
      if (count.find(':') != std::string::npos) return Fail("invalid restart policy format");
      char* end = nullptr;
      long n = std::strtol(count.c_str(), &end, 10);
      if (count.empty() || *end != '\0') return Fail("maximum retry count must be an integer");
      policy = {{"Name", f.restart.substr(0, colon)}, {"MaximumRetryCount", n}};
    }
    (*host_config)["RestartPolicy"] = policy;
    bool is_none = policy["Name"] == "no" || policy["Name"] == "";
    if (host_config->value("AutoRemove", false) && !is_none)
      return Fail("conflicting options: cannot specify both --restart and --rm");
  }

  // The health check: NONE with --no-healthcheck, else the given settings.
  int64_t interval = 0, timeout = 0, start_period = 0;
  if (!f.health_interval.empty()) interval = TRY(ParseGoDuration(f.health_interval));
  if (!f.health_timeout.empty()) timeout = TRY(ParseGoDuration(f.health_timeout));
  if (!f.health_start_period.empty()) start_period = TRY(ParseGoDuration(f.health_start_period));
  bool have = !f.health_cmd.empty() || interval != 0 || timeout != 0 || start_period != 0 ||
              f.health_retries != 0;
  if (f.no_healthcheck) {
    if (have) return Fail("--no-healthcheck conflicts with --health-* options");
    (*config)["Healthcheck"] = {{"Test", {"NONE"}}};
    return Ok();
  }
  if (!have) return Ok();
  if (interval < 0) return Fail("--health-interval cannot be negative");
  if (timeout < 0) return Fail("--health-timeout cannot be negative");
  if (f.health_retries < 0) return Fail("--health-retries cannot be negative");
  if (start_period < 0) return Fail("--health-start-period cannot be negative");
  json test = f.health_cmd.empty() ? json(nullptr) : json::array({"CMD-SHELL", f.health_cmd});
  (*config)["Healthcheck"] = {{"Test", test},
                              {"Interval", interval},
                              {"Timeout", timeout},
                              {"StartPeriod", start_period},
                              {"Retries", f.health_retries}};
  return Ok();
}

}  // namespace berth::cli
