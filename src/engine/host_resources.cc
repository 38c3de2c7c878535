#include "engine/host_resources.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

#include "base/fs.h"
#include "base/log.h"
#include "spec/json_reader.h"

namespace berth::engine {
namespace {

using nlohmann::json;
using spec::ReadField;

constexpr std::string_view kParent = "HostConfig";

// The ulimit names docker's CLI and daemon know (go-units), and the
// process.rlimits type each one sets.
constexpr std::pair<const char*, const char*> kUlimits[] = {
    {"core", "RLIMIT_CORE"},         {"cpu", "RLIMIT_CPU"},
    {"data", "RLIMIT_DATA"},         {"fsize", "RLIMIT_FSIZE"},
    {"locks", "RLIMIT_LOCKS"},       {"memlock", "RLIMIT_MEMLOCK"},
    {"msgqueue", "RLIMIT_MSGQUEUE"}, {"nice", "RLIMIT_NICE"},
    {"nofile", "RLIMIT_NOFILE"},     {"nproc", "RLIMIT_NPROC"},
    {"rss", "RLIMIT_RSS"},           {"rtprio", "RLIMIT_RTPRIO"},
    {"rttime", "RLIMIT_RTTIME"},     {"sigpending", "RLIMIT_SIGPENDING"},
    {"stack", "RLIMIT_STACK"},
};

Result<std::vector<ThrottleDevice>> ReadThrottles(const json& j, std::string_view key) {
  std::vector<ThrottleDevice> out;
  const json* arr = spec::Member(j, key);
  if (arr == nullptr) return out;
  std::string path = spec::FieldPath(kParent, key);
  TRY(spec::ExpectArray(*arr, path));
  for (size_t i = 0; i < arr->size(); ++i) {
    std::string at = spec::IndexPath(path, i);
    TRY(spec::ExpectObject((*arr)[i], at));
    ThrottleDevice d;
    TRY(spec::ReadRequired((*arr)[i], "Path", at, &d.path));
    TRY(ReadField((*arr)[i], "Rate", at, &d.rate));
    if (d.path.empty() || d.path[0] != '/')
      return Fail("{}.Path: {} is not an absolute path", at, spec::Quote(d.path));
    out.push_back(std::move(d));
  }
  return out;
}

Result<std::vector<Ulimit>> ReadUlimits(const json& j) {
  std::vector<Ulimit> out;
  const json* arr = spec::Member(j, "Ulimits");
  if (arr == nullptr) return out;
  std::string path = spec::FieldPath(kParent, "Ulimits");
  TRY(spec::ExpectArray(*arr, path));
  for (size_t i = 0; i < arr->size(); ++i) {
    std::string at = spec::IndexPath(path, i);
    TRY(spec::ExpectObject((*arr)[i], at));
    Ulimit u;
    TRY(spec::ReadRequired((*arr)[i], "Name", at, &u.name));
    TRY(ReadField((*arr)[i], "Soft", at, &u.soft));
    TRY(ReadField((*arr)[i], "Hard", at, &u.hard));
    out.push_back(std::move(u));
  }
  return out;
}

json ThrottlesToJson(const std::vector<ThrottleDevice>& v) {
  json out = json::array();
  for (const auto& d : v) out.push_back({{"Path", d.path}, {"Rate", d.rate}});
  return out;
}

// What the host's cgroups can do that docker probes for (sysinfo) and
// discards with a warning when missing. Probed once: the cgroup mounts do
// not change under a running daemon.
struct HostSupport {
  bool blkio_weight = false;
  bool swap = false;
  bool oom_kill_disable = false;
};

const HostSupport& Support() {
  static const HostSupport s = [] {
    HostSupport h;
    auto exists = [](const std::string& p) { return ::access(p.c_str(), F_OK) == 0; };
    if (exists("/sys/fs/cgroup/memory/memory.limit_in_bytes")) {  // v1 or hybrid
      h.swap = exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes");
      h.oom_kill_disable = exists("/sys/fs/cgroup/memory/memory.oom_control");
    } else if (auto c = ReadFile("/sys/fs/cgroup/cgroup.controllers")) {  // pure v2
      h.swap = c->find("memory") != std::string::npos;
    }
    if (exists("/sys/fs/cgroup/blkio")) {
      h.blkio_weight = exists("/sys/fs/cgroup/blkio/blkio.weight") ||
                       exists("/sys/fs/cgroup/blkio/blkio.bfq.weight");
    } else if (auto c = ReadFile("/sys/fs/cgroup/cgroup.controllers")) {
      h.blkio_weight = c->find("io") != std::string::npos;
    }
    return h;
  }();
  return s;
}

Result<json> ThrottlesToOci(const std::vector<ThrottleDevice>& v) {
  json out = json::array();
  for (const auto& d : v) {
    struct stat st {};
    if (::stat(d.path.c_str(), &st) != 0) return FailAs(errno, "stat {}", d.path);
    if (!S_ISBLK(st.st_mode)) return FailAs(EINVAL, "{} is not a block device", d.path);
    out.push_back({{"major", major(st.st_rdev)}, {"minor", minor(st.st_rdev)}, {"rate", d.rate}});
  }
  return out;
}

}  // namespace

std::string RlimitType(const std::string& name) {
  for (auto [n, type] : kUlimits)
    if (name == n) return type;
  return "";
}

Result<std::vector<int>> ParseCpuList(std::string_view s) {
  std::vector<int> out;
  if (s.empty()) return out;
  size_t i = 0;
  auto number = [&]() -> std::optional<int> {
    size_t start = i;
    long v = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) && v < 100000)
      v = v * 10 + (s[i++] - '0');
    if (i == start || v >= 100000) return std::nullopt;
    return static_cast<int>(v);
  };
  while (true) {
    auto lo = number();
    if (!lo) return Fail("{}", s);
    int hi = *lo;
    if (i < s.size() && s[i] == '-') {
      ++i;
      auto h = number();
      if (!h || *h < *lo) return Fail("{}", s);
      hi = *h;
    }
    for (int c = *lo; c <= hi; ++c) out.push_back(c);
    if (i == s.size()) break;
    if (s[i] != ',') return Fail("{}", s);
    ++i;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Result<Resources> ReadResources(const json& j) {
  Resources r;
  if (j.is_null()) return r;
  TRY(spec::ExpectObject(j, std::string(kParent)));
  TRY(ReadField(j, "Memory", kParent, &r.memory));
  TRY(ReadField(j, "MemorySwap", kParent, &r.memory_swap));
  TRY(ReadField(j, "MemoryReservation", kParent, &r.memory_reservation));
  TRY(ReadField(j, "KernelMemory", kParent, &r.kernel_memory));
  TRY(ReadField(j, "MemorySwappiness", kParent, &r.memory_swappiness));
  TRY(ReadField(j, "OomKillDisable", kParent, &r.oom_kill_disable));
  TRY(ReadField(j, "NanoCpus", kParent, &r.nano_cpus));
  TRY(ReadField(j, "CpuShares", kParent, &r.cpu_shares));
  TRY(ReadField(j, "CpuPeriod", kParent, &r.cpu_period));
  TRY(ReadField(j, "CpuQuota", kParent, &r.cpu_quota));
  TRY(ReadField(j, "CpusetCpus", kParent, &r.cpuset_cpus));
  TRY(ReadField(j, "CpusetMems", kParent, &r.cpuset_mems));
  TRY(ReadField(j, "PidsLimit", kParent, &r.pids_limit));
  TRY(ReadField(j, "BlkioWeight", kParent, &r.blkio_weight));
  r.blkio_device_read_bps = TRY(ReadThrottles(j, "BlkioDeviceReadBps"));
  r.blkio_device_write_bps = TRY(ReadThrottles(j, "BlkioDeviceWriteBps"));
  r.blkio_device_read_iops = TRY(ReadThrottles(j, "BlkioDeviceReadIOps"));
  r.blkio_device_write_iops = TRY(ReadThrottles(j, "BlkioDeviceWriteIOps"));
  r.ulimits = TRY(ReadUlimits(j));
  TRY(ReadField(j, "ShmSize", kParent, &r.shm_size));
  return r;
}

Status ValidateResources(const Resources& r, bool update) {
  // Memory: docker's floor, and the orderings the kernel would refuse
  // (memory+swap below memory, a soft limit above the hard one).
  if (r.memory != 0 && r.memory < kMinMemory) return Fail("Minimum memory limit allowed is 6MB");
  if (r.memory > 0 && r.memory_swap > 0 && r.memory_swap < r.memory)
    return Fail("Minimum memoryswap limit should be larger than memory limit, see usage");
  if (r.memory == 0 && r.memory_swap > 0 && !update)
    return Fail("You should always set the Memory limit when using Memoryswap limit, see usage");
  if (r.memory_swap < -1)
    return Fail("Invalid value: {}, MemorySwap must be -1 or more", r.memory_swap);
  if (r.memory_swappiness && (*r.memory_swappiness < -1 || *r.memory_swappiness > 100))
    return Fail("Invalid value: {}, valid memory swappiness range is 0-100", *r.memory_swappiness);
  if (r.memory_reservation != 0 && r.memory_reservation < kMinMemory)
    return Fail("Minimum memory reservation allowed is 6MB");
  if (r.memory > 0 && r.memory_reservation > 0 && r.memory < r.memory_reservation)
    return Fail("Minimum memory limit can not be less than memory reservation limit, see usage");
  if (r.kernel_memory < 0 || (r.kernel_memory > 0 && r.kernel_memory < 4 * 1024 * 1024))
    return Fail("Minimum kernel memory limit allowed is 4MB");

  // CPU: --cpus is a quota over a fixed period, so it excludes both.
  if (r.nano_cpus != 0 && r.cpu_period != 0)
    return Fail("Conflicting options: Nano CPUs and CPU Period cannot both be set");
  if (r.nano_cpus != 0 && r.cpu_quota != 0)
    return Fail("Conflicting options: Nano CPUs and CPU Quota cannot both be set");
  if (r.nano_cpus < 0) return Fail("Range of CPUs is from 0.01 to the host's CPU count");
  if (r.cpu_shares < 0)
    return Fail("Invalid CPU shares value: {} (must be 2 or more)", r.cpu_shares);
  if (r.cpu_period != 0 && (r.cpu_period < 1000 || r.cpu_period > 1000000))
    return Fail(
        "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
  if (r.cpu_quota > 0 && r.cpu_quota < 1000)
    return Fail("CPU cfs quota can not be less than 1ms (i.e. 1000)");
  if (r.cpu_quota < -1) return Fail("Invalid CPU quota: {}", r.cpu_quota);
  if (!ParseCpuList(r.cpuset_cpus)) return Fail("Invalid value {} for cpuset cpus", r.cpuset_cpus);
  if (!ParseCpuList(r.cpuset_mems)) return Fail("Invalid value {} for cpuset mems", r.cpuset_mems);

  if (r.blkio_weight != 0 && (r.blkio_weight < 10 || r.blkio_weight > 1000))
    return Fail("Range of blkio weight is from 10 to 1000");
  if (r.shm_size < 0) return Fail("SHM size can not be less than 0");
  for (const Ulimit& u : r.ulimits) {
    if (RlimitType(u.name).empty()) return Fail("invalid ulimit type: {}", u.name);
    if (u.soft > u.hard)
      return Fail("ulimit soft limit must be less than or equal to hard limit: {} > {}", u.soft,
                  u.hard);
  }
  return Ok();
}

Result<Resources> ParseResources(const json& host_config) {
  Resources r = TRY(ReadResources(host_config));
  TRY(ValidateResources(r, /*update=*/false));
  if (r.memory > 0 && r.memory_swap == 0) r.memory_swap = 2 * r.memory;
  if (r.shm_size == 0) r.shm_size = kDefaultShmSize;
  if (r.pids_limit && *r.pids_limit <= 0) r.pids_limit.reset();
  return r;
}

void ResourcesToJson(const Resources& r, json* h) {
  json& j = *h;
  j["Memory"] = r.memory;
  j["MemorySwap"] = r.memory_swap;
  j["MemoryReservation"] = r.memory_reservation;
  if (r.kernel_memory != 0) j["KernelMemory"] = r.kernel_memory;  // omitempty, as docker
  j["MemorySwappiness"] = r.memory_swappiness ? json(*r.memory_swappiness) : json(nullptr);
  j["OomKillDisable"] = r.oom_kill_disable;
  j["NanoCpus"] = r.nano_cpus;
  j["CpuShares"] = r.cpu_shares;
  j["CpuPeriod"] = r.cpu_period;
  j["CpuQuota"] = r.cpu_quota;
  j["CpuRealtimePeriod"] = 0;
  j["CpuRealtimeRuntime"] = 0;
  j["CpusetCpus"] = r.cpuset_cpus;
  j["CpusetMems"] = r.cpuset_mems;
  j["PidsLimit"] = r.pids_limit ? json(*r.pids_limit) : json(nullptr);
  j["BlkioWeight"] = r.blkio_weight;
  j["BlkioWeightDevice"] = json::array();
  j["BlkioDeviceReadBps"] = ThrottlesToJson(r.blkio_device_read_bps);
  j["BlkioDeviceWriteBps"] = ThrottlesToJson(r.blkio_device_write_bps);
  j["BlkioDeviceReadIOps"] = ThrottlesToJson(r.blkio_device_read_iops);
  j["BlkioDeviceWriteIOps"] = ThrottlesToJson(r.blkio_device_write_iops);
  json ulimits = json::array();
  for (const Ulimit& u : r.ulimits)
    ulimits.push_back({{"Name", u.name}, {"Hard", u.hard}, {"Soft", u.soft}});
  j["Ulimits"] = ulimits;
  j["ShmSize"] = r.shm_size;
  j["CpuCount"] = 0;
  j["CpuPercent"] = 0;
  j["IOMaximumIOps"] = 0;
  j["IOMaximumBandwidth"] = 0;
}

Result<json> ResourcesToOci(const Resources& r) {
  const HostSupport& host = Support();
  json out = json::object();

  // Memory: the hard limit, memory+swap (docker's MemorySwap is the same
  // sum the v1 memsw file takes), the soft limit, and the OOM killer.
  json mem = json::object();
  if (r.memory > 0) mem["limit"] = r.memory;
  if (r.memory_swap != 0 && host.swap) mem["swap"] = r.memory_swap;
  if (r.memory_reservation > 0) mem["reservation"] = r.memory_reservation;
  if (r.memory_swappiness && *r.memory_swappiness >= 0) mem["swappiness"] = *r.memory_swappiness;
  if (r.oom_kill_disable) {
    if (host.oom_kill_disable)
      mem["disableOOMKiller"] = true;
    else
      log::Warn("OomKillDisable: this host's memory cgroup cannot disable the OOM killer; ignored");
  }
  if (r.kernel_memory > 0)
    log::Warn("KernelMemory: kernel memory limits are not supported on this kernel; ignored");
  if (!mem.empty()) out["memory"] = mem;

  // CPU: --cpus is a CFS quota over docker's fixed 100 ms period.
  json cpu = json::object();
  if (r.cpu_shares > 0) cpu["shares"] = r.cpu_shares;
  if (r.nano_cpus > 0) {
    constexpr int64_t kPeriod = 100000;
    cpu["period"] = kPeriod;
    cpu["quota"] = r.nano_cpus * kPeriod / 1000000000;
  } else {
    if (r.cpu_period > 0) cpu["period"] = r.cpu_period;
    if (r.cpu_quota != 0) cpu["quota"] = r.cpu_quota;
  }
  if (!r.cpuset_cpus.empty()) cpu["cpus"] = r.cpuset_cpus;
  if (!r.cpuset_mems.empty()) cpu["mems"] = r.cpuset_mems;
  if (!cpu.empty()) out["cpu"] = cpu;

  if (r.pids_limit && *r.pids_limit > 0) out["pids"] = {{"limit", *r.pids_limit}};

  json blk = json::object();
  if (r.blkio_weight > 0) {
    if (host.blkio_weight)
      blk["weight"] = r.blkio_weight;
    else
      log::Warn("BlkioWeight: this kernel does not support Block I/O weight; weight discarded");
  }
  struct {
    const std::vector<ThrottleDevice>* devices;
    const char* key;
  } throttles[] = {{&r.blkio_device_read_bps, "throttleReadBpsDevice"},
                   {&r.blkio_device_write_bps, "throttleWriteBpsDevice"},
                   {&r.blkio_device_read_iops, "throttleReadIOPSDevice"},
                   {&r.blkio_device_write_iops, "throttleWriteIOPSDevice"}};
  for (const auto& t : throttles)
    if (!t.devices->empty()) blk[t.key] = TRY(ThrottlesToOci(*t.devices));
  if (!blk.empty()) out["blockIO"] = blk;
  return out;
}

Status ApplyResources(const Resources& r, spec::Config* config) {
  // linux.resources: merged key by key into what the spec has, so that
  // another area's settings there stay.
  json oci = TRY(ResourcesToOci(r));
  if (config->linux && !oci.empty()) {
    json& have = config->linux->resources_other;
    if (!have.is_object()) have = json::object();
    for (const auto& [key, value] : oci.items()) {
      if (!have.contains(key) || !have[key].is_object()) have[key] = json::object();
      for (const auto& [k, v] : value.items()) have[key][k] = v;
    }
  }

  // process.rlimits: one entry per type, the user's over the defaults.
  if (config->process) {
    auto& rl = config->process->rlimits;
    for (const Ulimit& u : r.ulimits) {
      std::string type = RlimitType(u.name);
      if (type.empty()) return Fail("invalid ulimit type: {}", u.name);
      std::erase_if(rl, [&](const spec::Rlimit& x) { return x.type == type; });
      rl.push_back({type, static_cast<uint64_t>(u.hard), static_cast<uint64_t>(u.soft)});
    }
  }

  // /dev/shm: docker's default tmpfs gets the size asked for; a mount the
  // user put there (-v, --tmpfs) keeps its own options.
  int64_t shm = r.shm_size > 0 ? r.shm_size : kDefaultShmSize;
  for (spec::Mount& m : config->mounts) {
    if (m.destination != "/dev/shm" || m.type != "tmpfs" || m.source != "shm") continue;
    std::erase_if(m.options, [](const std::string& o) { return o.starts_with("size="); });
    m.options.push_back("size=" + std::to_string(shm));
  }
  return Ok();
}

}  // namespace berth::engine
