// The v1 devices controller: linux.resources.devices as devices.allow and
// devices.deny writes, in order, after the rules every container needs.
#pragma once

#include <string>
#include <vector>

#include "base/error.h"
#include "spec/runtime_spec.h"

namespace berth::runtime::cgroup {

// "c 1:3 rwm", "a *:* rwm": the controller's rule syntax for one entry.
std::string DeviceRuleLine(const spec::DeviceRule& r);

// The allow rules runc adds after the config's own (mknod of anything; null,
// zero, full, random, urandom, tty, ptmx, net/tun, pts), so the default
// deny-all config still gives a working /dev.
std::vector<spec::DeviceRule> DefaultDeviceRules();

// Writes the rules into `dir`'s devices.allow / devices.deny.
Status ApplyDeviceRulesV1(const std::string& dir, const std::vector<spec::DeviceRule>& rules);

}  // namespace berth::runtime::cgroup
