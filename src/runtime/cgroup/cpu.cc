// linux.resources.cpu. v1: cpu.shares, cpu.cfs_quota_us/cfs_period_us,
// cpu.cfs_burst_us, cpu.rt_runtime_us/rt_period_us, cpu.idle, and the
// cpuset controller's cpuset.cpus/mems. v2: cpu.weight (from shares),
// cpu.max "QUOTA PERIOD", cpu.max.burst, cpu.idle, cpuset.cpus/mems.
#include "runtime/cgroup/resources.h"

namespace berth::runtime::cgroup {

Status ApplyCpu(const ResourceDirs& d, const nlohmann::json& c) {
  if (c.is_null()) return Ok();
  auto shares = TRY(OptInt(c, "shares", "cpu"));
  auto quota = TRY(OptInt(c, "quota", "cpu"));
  auto period = TRY(OptInt(c, "period", "cpu"));
  auto burst = TRY(OptInt(c, "burst", "cpu"));
  auto rt_runtime = TRY(OptInt(c, "realtimeRuntime", "cpu"));
  auto rt_period = TRY(OptInt(c, "realtimePeriod", "cpu"));
  auto idle = TRY(OptInt(c, "idle", "cpu"));
  auto str = [&](const char* key) -> Result<std::string> {
    if (!c.contains(key) || c[key].is_null()) return std::string();
    if (!c[key].is_string()) return Fail("linux.resources.cpu.{}: must be a string", key);
    return c[key].get<std::string>();
  };
  std::string cpus = TRY(str("cpus"));
  std::string mems = TRY(str("mems"));

  // cpuset first: a cpu limit is meaningless on cpus the container lacks.
  if (!cpus.empty()) TRY(WriteResource(d.cpuset, "cpuset.cpus", cpus, "cpu.cpus"));
  if (!mems.empty()) TRY(WriteResource(d.cpuset, "cpuset.mems", mems, "cpu.mems"));

  if (d.v2) {
    if (shares && *shares != 0)
      TRY(WriteResource(d.cpu, "cpu.weight",
                        std::to_string(CpuSharesToWeight(static_cast<uint64_t>(*shares))),
                        "cpu.shares"));
    if ((quota && *quota != 0) || (period && *period != 0)) {
      std::string q = !quota || *quota <= 0 ? "max" : std::to_string(*quota);
      std::string v = period && *period != 0 ? q + " " + std::to_string(*period) : q;
      TRY(WriteResource(d.cpu, "cpu.max", v, "cpu.quota"));
    }
    if (burst) TRY(WriteResource(d.cpu, "cpu.max.burst", std::to_string(*burst), "cpu.burst"));
    if ((rt_runtime && *rt_runtime != 0) || (rt_period && *rt_period != 0))
      return Fail("linux.resources.cpu.realtimeRuntime: cgroup v2 has no real-time budget files");
    if (idle) TRY(WriteResource(d.cpu, "cpu.idle", std::to_string(*idle), "cpu.idle"));
    return Ok();
  }

  if (shares && *shares != 0)
    TRY(WriteResource(d.cpu, "cpu.shares", std::to_string(*shares), "cpu.shares"));
  // The period before the quota: a quota above the old period is refused.
  if (period && *period != 0)
    TRY(WriteResource(d.cpu, "cpu.cfs_period_us", std::to_string(*period), "cpu.period"));
  if (quota && *quota != 0)
    TRY(WriteResource(d.cpu, "cpu.cfs_quota_us", std::to_string(*quota), "cpu.quota"));
  if (burst) TRY(WriteResource(d.cpu, "cpu.cfs_burst_us", std::to_string(*burst), "cpu.burst"));
  // The real-time period before the runtime, for the same reason.
  if (rt_period && *rt_period != 0)
    TRY(WriteResource(d.cpu, "cpu.rt_period_us", std::to_string(*rt_period), "cpu.realtimePeriod"));
  if (rt_runtime && *rt_runtime != 0)
    TRY(WriteResource(d.cpu, "cpu.rt_runtime_us", std::to_string(*rt_runtime),
                      "cpu.realtimeRuntime"));
  if (idle) TRY(WriteResource(d.cpu, "cpu.idle", std::to_string(*idle), "cpu.idle"));
  return Ok();
}

}  // namespace berth::runtime::cgroup
