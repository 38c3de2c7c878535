#include "runtime/cgroup/devices_v1.h"

#include "base/fs.h"

namespace berth::runtime::cgroup {

std::string DeviceRuleLine(const spec::DeviceRule& r) {
  std::string type = r.type.empty() ? "a" : r.type;
  if (type == "a") return "a *:* rwm";
  auto num = [](const std::optional<int64_t>& v) {
    return v && *v >= 0 ? std::to_string(*v) : std::string("*");
  };
  return type + " " + num(r.major) + ":" + num(r.minor) + " " +
         (r.access.empty() ? std::string("rwm") : r.access);
}

std::vector<spec::DeviceRule> DefaultDeviceRules() {
  auto allow = [](const char* type, std::optional<int64_t> major, std::optional<int64_t> minor,
                  const char* access) {
    spec::DeviceRule r;
    r.allow = true;
    r.type = type;
    r.major = major;
    r.minor = minor;
    r.access = access;
    return r;
  };
  // runc 1.1's allowlist: mknod of any node (the capability still decides),
  // and use of the standard devices, /dev/tty, /dev/ptmx, /dev/net/tun and
  // the pty slaves. linux.devices entries are not allowed implicitly: like
  // runc, a config must list them in linux.resources.devices too.
  return {
      allow("c", std::nullopt, std::nullopt, "m"),
      allow("b", std::nullopt, std::nullopt, "m"),
      allow("c", 1, 3, "rwm"),
      allow("c", 1, 5, "rwm"),
      allow("c", 1, 7, "rwm"),
      allow("c", 1, 8, "rwm"),
      allow("c", 1, 9, "rwm"),
      allow("c", 5, 0, "rwm"),
      allow("c", 5, 2, "rwm"),
      allow("c", 10, 200, "rwm"),
      allow("c", 136, std::nullopt, "rwm"),
  };
}

Status ApplyDeviceRulesV1(const std::string& dir, const std::vector<spec::DeviceRule>& rules) {
  for (const auto& r : rules) {
    std::string file = dir + (r.allow ? "/devices.allow" : "/devices.deny");
    TRY_CTX(WriteExisting(file, DeviceRuleLine(r)), "linux.resources.devices");
  }
  return Ok();
}

}  // namespace berth::runtime::cgroup
