// The flags of create/run for one area (--privileged, --cap-add, --cap-drop, --security-opt,
// --read-only, --device, --device-cgroup-rule, --group-add, --sysctl, --userns), and what they put
// into the create request's Config and HostConfig, as docker 20.10's CLI sends them.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "base/error.h"

namespace berth::cli {

struct SecurityFlags {
  bool privileged = false;
  std::vector<std::string> cap_add, cap_drop;
  std::vector<std::string> security_opt;
  bool read_only = false;
  std::vector<std::string> devices;  // HOST[:CONTAINER[:PERMS]]
  std::vector<std::string> device_cgroup_rules;
  std::vector<std::string> group_add;
  std::vector<std::string> sysctls;  // KEY=VALUE
  std::string userns;
};

void AddSecurityFlags(CLI::App* cmd, SecurityFlags* f);
// Adds the flags' fields to the request's Config and HostConfig; a
// one-line error for a value the CLI itself refuses (exit 125). Reads the
// file of --security-opt seccomp=FILE, as docker's CLI does: the daemon
// gets the profile's text, not its path.
Status AddSecurityBody(const SecurityFlags& f, nlohmann::json* config, nlohmann::json* host_config);

// docker's CLI rules, exposed for tests.
// --cap-add/--cap-drop: upper case, CAP_ prefixed, "ALL" alone when given,
// a capability in both lists only added; each list sorted, no duplicates.
void EffectiveCapAddCapDrop(const std::vector<std::string>& add,
                            const std::vector<std::string>& drop, std::vector<std::string>* cap_add,
                            std::vector<std::string>* cap_drop);
// --device HOST[:CONTAINER[:PERMS]] as a HostConfig.Devices entry.
Result<nlohmann::json> ParseDeviceFlag(const std::string& value);

}  // namespace berth::cli
