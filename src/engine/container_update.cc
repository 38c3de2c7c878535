// docker update: new resource limits and restart policy for a container,
// running or not. The steps: read the body, check it alone and merged
// with what the container has (nothing changes on a bad value), write
// the new limits to the running container's cgroup through the runtime,
// then store them so that inspect and the next start see them.
#include "base/log.h"
#include "engine/container_live.h"
#include "engine/container_service.h"
#include "engine/resources_host_check.h"
#include "runtime/runtime.h"
#include "spec/json_reader.h"

namespace berth::engine {
namespace {

std::unexpected<Error> Invalid(const Error& e) { return FailAs(EINVAL, "{}", e.What()); }

// docker's merge: a zero (or absent) field leaves the container's value;
// --cpus and an explicit CFS period/quota exclude each other across the
// update too.
Result<Resources> Merge(Resources cur, const Resources& u) {
  if (u.nano_cpus > 0 && cur.cpu_period > 0)
    return Fail(
        "Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set");
  if (u.nano_cpus > 0 && cur.cpu_quota > 0)
    return Fail(
        "Conflicting options: Nano CPUs cannot be updated as CPU Quota has already been set");
  if (u.cpu_period > 0 && cur.nano_cpus > 0)
    return Fail(
        "Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set");
  if (u.cpu_quota > 0 && cur.nano_cpus > 0)
    return Fail(
        "Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set");
  if (u.blkio_weight != 0) cur.blkio_weight = u.blkio_weight;
  if (u.cpu_shares != 0) cur.cpu_shares = u.cpu_shares;
  if (u.nano_cpus != 0) cur.nano_cpus = u.nano_cpus;
  if (u.cpu_period != 0) cur.cpu_period = u.cpu_period;
  if (u.cpu_quota != 0) cur.cpu_quota = u.cpu_quota;
  if (!u.cpuset_cpus.empty()) cur.cpuset_cpus = u.cpuset_cpus;
  if (!u.cpuset_mems.empty()) cur.cpuset_mems = u.cpuset_mems;
  if (u.memory != 0) {
    // Memory above the memory+swap the container has, with no new swap
    // value, would leave the kernel an impossible order.
    if (cur.memory_swap > 0 && u.memory > cur.memory_swap && u.memory_swap == 0)
      return Fail(
          "Memory limit should be smaller than already set memoryswap limit, update the "
          "memoryswap at the same time");
    cur.memory = u.memory;
  }
  if (u.memory_swap != 0) cur.memory_swap = u.memory_swap;
  if (u.memory_reservation != 0) cur.memory_reservation = u.memory_reservation;
  if (u.kernel_memory != 0) cur.kernel_memory = u.kernel_memory;
  if (u.pids_limit) {
    if (*u.pids_limit > 0)
      cur.pids_limit = u.pids_limit;
    else
      cur.pids_limit.reset();
  }
  TRY(ValidateResources(cur, /*update=*/false));
  return cur;
}

}  // namespace

Result<std::vector<std::string>> ContainerService::Update(const std::string& name_or_id,
                                                          const nlohmann::json& body) {
  // 1. The body alone: types and docker's ranges.
  auto parsed = ReadResources(body);
  if (!parsed) return Invalid(parsed.error());
  Resources u = std::move(*parsed);
  if (auto s = ValidateResources(u, /*update=*/true); !s) return Invalid(s.error());
  if (auto s = CheckResourcesOnHost(u); !s) return Invalid(s.error());
  std::vector<std::string> warnings;
  if (u.kernel_memory > 0)
    warnings.push_back(
        "Specifying a kernel memory limit is deprecated and will be removed in a future release.");

  // 2. Merged with the container's, under its operation lock.
  Locked l = TRY(LockContainer(name_or_id));
  auto host = ParseHostConfig(l.rec.host_config);
  if (!host) return Fail("container {}: its stored HostConfig: {}", l.rec.id, host.error().What());
  auto merged = Merge(host->resources, u);
  if (!merged)
    return FailAs(EINVAL, "Cannot update container {}: {}", l.rec.id, merged.error().What());
  host->resources = std::move(*merged);

  // A restart policy, when the body has one with a name.
  const nlohmann::json* policy = spec::Member(body, "RestartPolicy");
  const nlohmann::json* policy_name = policy ? spec::Member(*policy, "Name") : nullptr;
  if (policy_name && policy_name->is_string() && !policy_name->get<std::string>().empty()) {
    std::string name = policy_name->get<std::string>();
    if (host->auto_remove && name != "no")
      return FailAs(EINVAL,
                    "Restart policy cannot be updated because AutoRemove is enabled for the "
                    "container");
    auto rp = ParseRestartPolicy(body);
    if (!rp) return Invalid(rp.error());
    host->restart_policy = std::move(*rp);
  }

  // 3. The running container's cgroup. The runtime checks the values and
  // puts the old ones back if the kernel refuses one.
  if (IsRunning(l.rec.state)) {
    auto oci = ResourcesToOci(host->resources);
    if (!oci) return Invalid(oci.error());
    // A limit lifted (--pids-limit 0 or -1) is absent from the stored
    // form; the kernel's file still holds the old one until told "max".
    if (u.pids_limit && *u.pids_limit <= 0) (*oci)["pids"]["limit"] = -1;
    auto s = runtime::Update({.root = RuntimeRoot()}, l.rec.id, *oci);
    if (!s && s.error().code() != ESRCH)  // ESRCH: it exited meanwhile
      return FailAs(s.error().code() ? s.error().code() : EINVAL, "Cannot update container {}: {}",
                    l.rec.id, s.error().What());
  }

  // 4. The record, read again so that a state the monitor wrote
  // meanwhile (an exit) is kept.
  auto cur = TRY(store_.Get(l.rec.id));
  if (!cur) return FailAs(ENOENT, "No such container: {}", name_or_id);
  // Only this area's fields are rewritten: the rest stays as stored.
  ResourcesToJson(host->resources, &cur->host_config);
  RestartPolicyToJson(host->restart_policy, &cur->host_config);
  TRY(store_.Update(*cur));
  return warnings;
}

}  // namespace berth::engine
