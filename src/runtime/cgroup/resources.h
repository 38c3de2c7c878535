// linux.resources applied to a container's cgroup, one controller per file
// (memory.cc, cpu.cc, blkio.cc, hugetlb.cc, net.cc, rdma.cc, unified.cc;
// devices in devices_v1.cc, pids in cgroup.cc), on v1, hybrid and pure v2
// hosts. v1-only settings are converted for v2 the way runc converts them
// (cpu shares to cpu.weight, blkio weight to io.weight, memory+swap to
// memory.swap.max).
//
// Zero values mean "not set", as docker and runc treat them (docker sends
// {"cpu": {"shares": 0}, "blockIO": {"weight": 0}} for every container).
// Errors name the field and the cgroup file the kernel refused.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "runtime/cgroup/cgroup.h"

namespace berth::runtime::cgroup {

// Where each controller's files are: a v1 directory per controller, or the
// one v2 directory (pure v2 hosts, or controllers a hybrid host enables in
// its unified tree).
struct ResourceDirs {
  bool v2 = false;  // controllers below are v2 files
  std::string memory, cpu, cpuset, blkio, hugetlb, net_cls, net_prio, rdma, pids, unified;
};
ResourceDirs ResourceDirsOf(const Placement& p, const Layout& layout);

// Checks `resources` (the linux.resources object without devices) for
// types and ranges, without touching the kernel.
Status ValidateResources(const nlohmann::json& resources);

// Writes every set field. Stops at the first failure, naming it.
Status ApplyResources(const ResourceDirs& d, const nlohmann::json& resources);

// Pure conversions, as runc does them.
uint64_t CpuSharesToWeight(uint64_t shares);      // 2..262144 -> 1..10000
uint64_t BlkioWeightToIoWeight(uint64_t weight);  // 10..1000 -> 1..10000
// v1's memory.memsw limit (memory + swap) as v2's memory.swap.max ("max"
// for -1; an error when swap is below memory).
Result<std::string> SwapMaxV2(int64_t memory, int64_t memory_plus_swap);

// Whether the memory controller of `d` has OOM-killed a task (v1
// memory.oom_control's oom_kill, v2 memory.events' oom_kill).
bool OomKilled(const ResourceDirs& d);

// The per-controller steps (each file's own).
Status ApplyMemory(const ResourceDirs& d, const nlohmann::json& m);
Status ApplyCpu(const ResourceDirs& d, const nlohmann::json& c);
Status ApplyBlkio(const ResourceDirs& d, const nlohmann::json& b);
Status ApplyHugetlb(const ResourceDirs& d, const nlohmann::json& limits);
Status ApplyNetwork(const ResourceDirs& d, const nlohmann::json& n);
Status ApplyRdma(const ResourceDirs& d, const nlohmann::json& r);
Status ApplyUnified(const ResourceDirs& d, const nlohmann::json& u);

// Shared by the controller files: writes `value` to `dir`/`file`, an error
// naming linux.resources.`field` and the file.
Status WriteResource(const std::string& dir, const char* file, const std::string& value,
                     const std::string& field);
// The integer at key, if present and not null; an error if not an integer.
Result<std::optional<int64_t>> OptInt(const nlohmann::json& obj, const char* key,
                                      const std::string& field);

}  // namespace berth::runtime::cgroup
