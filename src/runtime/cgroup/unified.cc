// linux.resources.unified: raw cgroup v2 files, "memory.high": "50M". Only
// where a v2 tree holds the container; keys are plain file names.
#include "runtime/cgroup/resources.h"

namespace berth::runtime::cgroup {

Status ApplyUnified(const ResourceDirs& d, const nlohmann::json& u) {
  if (!u.is_object() || u.empty()) return Ok();
  if (d.unified.empty())
    return Fail("linux.resources.unified: needs a cgroup v2 hierarchy, which this host lacks");
  for (const auto& [key, value] : u.items()) {
    if (key.empty() || key.find('/') != std::string::npos || key == "." || key == ".." ||
        key.find('.') == std::string::npos)
      return Fail("linux.resources.unified: invalid key {:?}", key);
    if (!value.is_string()) return Fail("linux.resources.unified.{}: must be a string", key);
    if (key.starts_with("cgroup."))
      return Fail("linux.resources.unified.{}: cgroup core files cannot be set", key);
    TRY(WriteResource(d.unified, key.c_str(), value.get<std::string>(), "unified." + key));
  }
  return Ok();
}

}  // namespace berth::runtime::cgroup
