// ReadStats: finds each controller's directory of the container's cgroup
// and runs its reader; StatsToJson: runc's field names and omitted zeros.
#include "runtime/cgroup/stats.h"

#include <sys/stat.h>

#include <map>

#include "base/fs.h"

namespace berth::runtime::cgroup {
namespace {

bool IsDir(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Each v1 controller's directory of this placement, and the v2 one. The
// placement keeps one directory per hierarchy, under its mount point.
struct ControllerDirs {
  std::map<std::string, std::string> v1;
  std::string v2;
};

ControllerDirs DirsOf(const Placement& p, const Layout& layout) {
  ControllerDirs out;
  for (const auto& h : layout.hierarchies) {
    std::string prefix = h.mount_point + "/";
    for (const auto& dir : p.dirs) {
      if (!dir.starts_with(prefix)) continue;
      if (h.v2)
        out.v2 = dir;
      else
        for (const auto& c : h.controllers) out.v1[c] = dir;
      break;
    }
  }
  if (p.mode == Mode::kV2 && out.v2.empty() && !p.dirs.empty()) out.v2 = p.dirs.front();
  return out;
}

nlohmann::ordered_json Entry(const MemoryEntry& e) {
  nlohmann::ordered_json j;
  j["limit"] = e.limit;
  if (e.usage) j["usage"] = e.usage;
  if (e.max) j["max"] = e.max;
  j["failcnt"] = e.failcnt;
  return j;
}

void PutBlkio(nlohmann::ordered_json& j, const char* key, const std::vector<BlkioEntry>& v) {
  if (v.empty()) return;
  auto arr = nlohmann::ordered_json::array();
  for (const auto& e : v) {
    nlohmann::ordered_json o = nlohmann::ordered_json::object();
    if (e.major) o["major"] = e.major;
    if (e.minor) o["minor"] = e.minor;
    if (!e.op.empty()) o["op"] = e.op;
    if (e.value) o["value"] = e.value;
    arr.push_back(std::move(o));
  }
  j[key] = std::move(arr);
}

}  // namespace

std::string ControllerDir(const Placement& p, const Layout& layout, const std::string& controller) {
  auto dirs = DirsOf(p, layout);
  if (p.mode == Mode::kV2) return dirs.v2;
  auto it = dirs.v1.find(controller);
  return it == dirs.v1.end() ? "" : it->second;
}

FileReader DirReader(std::string dir) {
  return [dir = std::move(dir)](const std::string& name) { return ReadFile(dir + "/" + name); };
}

Result<Stats> ReadStats(const Placement& p) {
  auto layout = TRY(DetectLayout());
  auto dirs = DirsOf(p, layout);
  auto sizes = HugePageSizes();
  Stats s;
  if (p.mode == Mode::kV2) {
    if (dirs.v2.empty() || !IsDir(dirs.v2)) return Fail("cgroup {} does not exist", dirs.v2);
    auto r = DirReader(dirs.v2);
    TRY_CTX(ReadPids(r, &s), "cgroup {}", dirs.v2);
    TRY_CTX(ReadMemoryV2(r, &s), "cgroup {}", dirs.v2);
    TRY_CTX(ReadIoV2(r, &s), "cgroup {}", dirs.v2);
    TRY_CTX(ReadCpuV2(r, &s), "cgroup {}", dirs.v2);
    TRY_CTX(ReadHugetlbV2(r, sizes, &s), "cgroup {}", dirs.v2);
    return s;
  }
  // v1 (and hybrid): each controller that is mounted and has the
  // container's directory.
  auto with = [&](const char* ctrl, auto&& read) -> Status {
    auto it = dirs.v1.find(ctrl);
    if (it == dirs.v1.end() || !IsDir(it->second)) return Ok();
    TRY_CTX(read(DirReader(it->second)), "cgroup {}", it->second);
    return Ok();
  };
  TRY(with("cpu", [&](const FileReader& r) { return ReadCpuV1(r, &s); }));
  TRY(with("cpuacct", [&](const FileReader& r) { return ReadCpuacctV1(r, &s); }));
  TRY(with("cpuset", [&](const FileReader& r) { return ReadCpusetV1(r, &s); }));
  TRY(with("memory", [&](const FileReader& r) { return ReadMemoryV1(r, &s); }));
  TRY(with("pids", [&](const FileReader& r) { return ReadPids(r, &s); }));
  TRY(with("blkio", [&](const FileReader& r) { return ReadBlkioV1(r, &s); }));
  if (dirs.v1.contains("hugetlb")) {
    TRY(with("hugetlb", [&](const FileReader& r) { return ReadHugetlbV1(r, sizes, &s); }));
  } else if (!dirs.v2.empty() && IsDir(dirs.v2)) {
    // Hybrid: hugetlb may live in the unified tree instead.
    TRY_CTX(ReadHugetlbV2(DirReader(dirs.v2), sizes, &s), "cgroup {}", dirs.v2);
  }
  return s;
}

nlohmann::ordered_json StatsToJson(const Stats& s) {
  using oj = nlohmann::ordered_json;
  oj usage = oj::object();
  if (s.cpu_usage.total) usage["total"] = s.cpu_usage.total;
  if (!s.cpu_usage.percpu.empty()) usage["percpu"] = s.cpu_usage.percpu;
  if (!s.cpu_usage.percpu_kernel.empty()) usage["percpu_kernel"] = s.cpu_usage.percpu_kernel;
  if (!s.cpu_usage.percpu_user.empty()) usage["percpu_user"] = s.cpu_usage.percpu_user;
  usage["kernel"] = s.cpu_usage.kernel;
  usage["user"] = s.cpu_usage.user;
  oj throttling = oj::object();
  if (s.throttling.periods) throttling["periods"] = s.throttling.periods;
  if (s.throttling.throttled_periods)
    throttling["throttledPeriods"] = s.throttling.throttled_periods;
  if (s.throttling.throttled_time) throttling["throttledTime"] = s.throttling.throttled_time;

  const auto& c = s.cpuset;
  oj cpuset = oj::object();
  if (!c.cpus.empty()) cpuset["cpus"] = c.cpus;
  cpuset["cpu_exclusive"] = c.cpu_exclusive;
  if (!c.mems.empty()) cpuset["mems"] = c.mems;
  cpuset["mem_hardwall"] = c.mem_hardwall;
  cpuset["mem_exclusive"] = c.mem_exclusive;
  cpuset["memory_migrate"] = c.memory_migrate;
  cpuset["memory_spread_page"] = c.memory_spread_page;
  cpuset["memory_spread_slab"] = c.memory_spread_slab;
  cpuset["memory_pressure"] = c.memory_pressure;
  cpuset["sched_load_balance"] = c.sched_load_balance;
  cpuset["sched_relax_domain_level"] = c.sched_relax_domain_level;

  oj memory = oj::object();
  if (s.memory.cache) memory["cache"] = s.memory.cache;
  memory["usage"] = Entry(s.memory.usage);
  memory["swap"] = Entry(s.memory.swap);
  memory["kernel"] = Entry(s.memory.kernel);
  memory["kernelTCP"] = Entry(s.memory.kernel_tcp);
  if (!s.memory.raw.empty()) {
    oj raw = oj::object();
    for (const auto& [k, v] : s.memory.raw) raw[k] = v;
    memory["raw"] = std::move(raw);
  }

  oj pids = oj::object();
  if (s.pids.current) pids["current"] = s.pids.current;
  if (s.pids.limit) pids["limit"] = s.pids.limit;

  oj blkio = oj::object();
  PutBlkio(blkio, "ioServiceBytesRecursive", s.blkio.io_service_bytes_recursive);
  PutBlkio(blkio, "ioServicedRecursive", s.blkio.io_serviced_recursive);
  PutBlkio(blkio, "ioQueueRecursive", s.blkio.io_queued_recursive);
  PutBlkio(blkio, "ioServiceTimeRecursive", s.blkio.io_service_time_recursive);
  PutBlkio(blkio, "ioWaitTimeRecursive", s.blkio.io_wait_time_recursive);
  PutBlkio(blkio, "ioMergedRecursive", s.blkio.io_merged_recursive);
  PutBlkio(blkio, "ioTimeRecursive", s.blkio.io_time_recursive);
  PutBlkio(blkio, "sectorsRecursive", s.blkio.sectors_recursive);

  oj hugetlb = oj::object();
  for (const auto& [size, h] : s.hugetlb) {
    oj e = oj::object();
    if (h.usage) e["usage"] = h.usage;
    if (h.max) e["max"] = h.max;
    e["failcnt"] = h.failcnt;
    hugetlb[size] = std::move(e);
  }

  oj data;
  data["cpu"] = {{"usage", std::move(usage)}, {"throttling", std::move(throttling)}};
  data["cpuset"] = std::move(cpuset);
  data["memory"] = std::move(memory);
  data["pids"] = std::move(pids);
  data["blkio"] = std::move(blkio);
  data["hugetlb"] = std::move(hugetlb);
  data["intel_rdt"] = oj::object();
  data["network_interfaces"] = nullptr;
  return data;
}

}  // namespace berth::runtime::cgroup
