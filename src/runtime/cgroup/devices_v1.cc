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

std::vector<spec::DeviceRule> DefaultDeviceRules(const std::vector<spec::Device>& devices) {
  auto allow = [](const char* type, int64_t major, std::optional<int64_t> minor) {
    spec::DeviceRule r;
    r.allow = true;
    r.type = type;
    r.major = major;
    r.minor = minor;
    r.access = "rwm";
    return r;
  };
  std::vector<spec::DeviceRule> out = {
      allow("c", 1, 3),  allow("c", 1, 5), allow("c", 1, 7), allow("c", 1, 8),
      allow("c", 1, 9),  allow("c", 5, 0), allow("c", 5, 1), allow("c", 5, 2),
      allow("c", 136, std::nullopt),
  };
  for (const auto& d : devices)
    if (d.type == "c" || d.type == "b" || d.type == "u")
      out.push_back(allow(d.type == "b" ? "b" : "c", d.major, d.minor));
  return out;
}

Status ApplyDeviceRulesV1(const std::string& dir, const std::vector<spec::DeviceRule>& rules) {
  for (const auto& r : rules) {
    std::string file = dir + (r.allow ? "/devices.allow" : "/devices.deny");
    TRY_CTX(WriteExisting(file, DeviceRuleLine(r)), "linux.resources.devices");
  }
  return Ok();
}

}  // namespace berth::runtime::cgroup
