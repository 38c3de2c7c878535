// update: new linux.resources for a running (or created, or paused)
// container. The new values are validated before anything is written;
// then each is written to the container's cgroup. If the kernel refuses
// one, the previous resources are written back, so the container keeps
// running with what it had, and the error names the field.
#include <cctype>
#include <cstdlib>

#include "base/error.h"
#include "runtime/cgroup/resources.h"
#include "runtime/container_state.h"
#include "runtime/runtime.h"

namespace berth::runtime {
namespace {

// `base` with every key of `patch` overlaid, one level into objects (a
// patch {"memory": {"limit": 1}} keeps the memory reservation).
nlohmann::json Overlay(nlohmann::json base, const nlohmann::json& patch) {
  if (!base.is_object()) base = nlohmann::json::object();
  for (const auto& [key, value] : patch.items()) {
    if (value.is_object() && base.contains(key) && base[key].is_object()) {
      for (const auto& [k, v] : value.items()) base[key][k] = v;
    } else {
      base[key] = value;
    }
  }
  return base;
}

}  // namespace

Status Update(const RuntimeOptions& ro, const std::string& id, const nlohmann::json& resources) {
  auto rec = TRY(LoadRecord(ro.root, id));
  auto lock = TRY(LockContainer(rec.dir));
  rec = TRY(LoadRecord(ro.root, id));  // again, under the lock
  auto status = CurrentStatus(rec);
  if (status == spec::Status::kStopped)
    return FailAs(ESRCH, "container {} is stopped: nothing to update", id);
  if (!rec.has_cgroup)
    return Fail("container {} has no cgroup of its own (rootless without delegation)", id);
  if (!resources.is_object()) return Fail("update: the resources must be a JSON object");
  if (resources.contains("devices"))
    return Fail("linux.resources.devices: device rules cannot be changed by update");

  nlohmann::json old = nlohmann::json::object();
  if (rec.config.contains("linux") && rec.config["linux"].contains("resources"))
    old = rec.config["linux"]["resources"];
  nlohmann::json merged = Overlay(old, resources);
  nlohmann::json apply = merged;
  apply.erase("devices");
  TRY(cgroup::ValidateResources(apply));

  auto layout = TRY(cgroup::DetectLayout());
  auto dirs = cgroup::ResourceDirsOf(rec.cgroup, layout);
  if (auto st = cgroup::ApplyResources(dirs, resources); !st) {
    nlohmann::json restore = old;
    restore.erase("devices");
    (void)cgroup::ApplyResources(dirs, restore);  // best effort: back to what it had
    return st;
  }
  rec.config["linux"]["resources"] = merged;
  TRY(SaveRecord(rec.dir, rec));
  return Ok();
}

}  // namespace berth::runtime

namespace berth::runtime {

Result<int64_t> ParseMemoryValue(const std::string& text) {
  if (text == "-1") return -1;
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
    ++i;
  if (i == 0) return Fail("{:?} is not a size (like 512m, 1g or 1048576)", text);
  double value = std::strtod(text.substr(0, i).c_str(), nullptr);
  std::string unit = text.substr(i);
  for (auto& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (unit.ends_with("ib"))
    unit.erase(unit.size() - 2);
  else if (unit.size() == 2 && unit[1] == 'b')
    unit.erase(1);
  static const std::pair<const char*, double> kUnits[] = {
      {"", 1},
      {"b", 1},
      {"k", 1024.0},
      {"m", 1024.0 * 1024},
      {"g", 1024.0 * 1024 * 1024},
      {"t", 1024.0 * 1024 * 1024 * 1024},
      {"p", 1024.0 * 1024 * 1024 * 1024 * 1024}};
  for (auto [name, mult] : kUnits)
    if (unit == name) {
      double bytes = value * mult;
      if (bytes > 9.2e18) return Fail("{:?} is too large", text);
      return static_cast<int64_t>(bytes);
    }
  return Fail("{:?}: unknown unit {:?}", text, unit);
}

}  // namespace berth::runtime
