// linux.resources.network: the v1 net_cls.classid and net_prio.ifpriomap.
// cgroup v2 has neither (its network controls are eBPF programs).
#include "runtime/cgroup/resources.h"

namespace berth::runtime::cgroup {

Status ApplyNetwork(const ResourceDirs& d, const nlohmann::json& n) {
  if (n.is_null()) return Ok();
  auto classid = TRY(OptInt(n, "classID", "network"));
  bool prios = n.contains("priorities") && n["priorities"].is_array() && !n["priorities"].empty();
  if (!(classid && *classid != 0) && !prios) return Ok();
  if (d.v2) return Fail("linux.resources.network: cgroup v2 has no net_cls or net_prio controller");
  if (classid && *classid != 0)
    TRY(WriteResource(d.net_cls, "net_cls.classid", std::to_string(*classid), "network.classID"));
  if (prios)
    for (const auto& p : n["priorities"]) {
      if (!p.is_object() || !p.contains("name") || !p["name"].is_string())
        return Fail("linux.resources.network.priorities: each entry needs a name");
      auto prio = TRY(OptInt(p, "priority", "network.priorities"));
      TRY(WriteResource(d.net_prio, "net_prio.ifpriomap",
                        p["name"].get<std::string>() + " " + std::to_string(prio.value_or(0)),
                        "network.priorities"));
    }
  return Ok();
}

}  // namespace berth::runtime::cgroup
