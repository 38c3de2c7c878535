// Stats readers for cgroup v1 controllers, each from its own hierarchy's
// directory, with runc's rules for which files are optional.
#include <algorithm>
#include <cerrno>

#include "runtime/cgroup/stats.h"

namespace berth::runtime::cgroup {
namespace {

// USER_HZ: the unit of cpuacct.stat, fixed at 100 on Linux.
constexpr uint64_t kClockTicks = 100;

bool IsNotFound(const Error& e) { return e.code() == ENOENT || e.code() == ENODEV; }

Result<uint64_t> ReadUint(const FileReader& r, const std::string& name) {
  auto text = TRY(r(name));
  return TRY_CTX(ParseCgroupUint(text), "{}", name);
}

// A file that some kernels lack: absent reads as `fallback`.
Result<uint64_t> ReadOptionalUint(const FileReader& r, const std::string& name, uint64_t fallback) {
  auto text = r(name);
  if (!text) {
    if (IsNotFound(text.error())) return fallback;
    return std::unexpected(text.error());
  }
  return TRY_CTX(ParseCgroupUint(*text), "{}", name);
}

// memory.<name>.{usage_in_bytes,max_usage_in_bytes,failcnt,limit_in_bytes};
// swap (memsw) and kmem may be compiled out: their absence is all zeros.
Result<MemoryEntry> ReadMemoryEntry(const FileReader& r, const std::string& name) {
  std::string base = name.empty() ? "memory" : "memory." + name;
  MemoryEntry e;
  auto usage = r(base + ".usage_in_bytes");
  if (!usage) {
    if (!name.empty() && IsNotFound(usage.error())) return e;
    return std::unexpected(usage.error());
  }
  e.usage = TRY_CTX(ParseCgroupUint(*usage), "{}.usage_in_bytes", base);
  e.max = TRY(ReadUint(r, base + ".max_usage_in_bytes"));
  e.failcnt = TRY(ReadUint(r, base + ".failcnt"));
  e.limit = TRY(ReadUint(r, base + ".limit_in_bytes"));
  return e;
}

}  // namespace

Status ReadCpuV1(const FileReader& cpu, Stats* s) {
  auto text = cpu("cpu.stat");
  if (!text) {
    if (IsNotFound(text.error())) return Ok();
    return std::unexpected(text.error());
  }
  auto kv = TRY_CTX(ParseKeyValues(*text), "cpu.stat");
  s->throttling.periods = kv["nr_periods"];
  s->throttling.throttled_periods = kv["nr_throttled"];
  s->throttling.throttled_time = kv["throttled_time"];
  return Ok();
}

Status ReadCpuacctV1(const FileReader& acct, Stats* s) {
  // cpuacct.stat: "user TICKS\nsystem TICKS".
  auto kv = TRY_CTX(ParseKeyValues(TRY(acct("cpuacct.stat"))), "cpuacct.stat");
  if (!kv.contains("user") || !kv.contains("system"))
    return Fail("cpuacct.stat: no user and system lines");
  s->cpu_usage.user = kv["user"] * 1000000000 / kClockTicks;
  s->cpu_usage.kernel = kv["system"] * 1000000000 / kClockTicks;
  s->cpu_usage.total = TRY(ReadUint(acct, "cpuacct.usage"));

  auto percpu = TRY(acct("cpuacct.usage_percpu"));
  s->cpu_usage.percpu.clear();
  size_t i = 0;
  while (i < percpu.size()) {
    size_t j = percpu.find_first_of(" \n", i);
    if (j == std::string::npos) j = percpu.size();
    if (j > i)
      s->cpu_usage.percpu.push_back(
          TRY_CTX(ParseCgroupUint(percpu.substr(i, j - i)), "cpuacct.usage_percpu"));
    i = j + 1;
  }

  // cpuacct.usage_all (since 4.16): a "cpu user system" header, then one
  // line per cpu in nanoseconds.
  auto all = acct("cpuacct.usage_all");
  if (!all) {
    if (IsNotFound(all.error())) return Ok();
    return std::unexpected(all.error());
  }
  size_t pos = all->find('\n');
  while (pos != std::string::npos && pos + 1 < all->size()) {
    size_t end = all->find('\n', pos + 1);
    std::string line = all->substr(pos + 1, end == std::string::npos ? end : end - pos - 1);
    pos = end;
    size_t a = line.find(' '), b = line.find(' ', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    s->cpu_usage.percpu_user.push_back(
        TRY_CTX(ParseCgroupUint(line.substr(a + 1, b - a - 1)), "cpuacct.usage_all"));
    s->cpu_usage.percpu_kernel.push_back(
        TRY_CTX(ParseCgroupUint(line.substr(b + 1)), "cpuacct.usage_all"));
  }
  return Ok();
}

Status ReadCpusetV1(const FileReader& r, Stats* s) {
  auto& c = s->cpuset;
  for (auto [name, list] : {std::pair{"cpuset.cpus", &c.cpus}, std::pair{"cpuset.mems", &c.mems}}) {
    auto text = r(name);
    if (!text) {
      if (IsNotFound(text.error())) continue;
      return std::unexpected(text.error());
    }
    *list = TRY_CTX(ParseCpuList(*text), "{}", name);
  }
  const std::pair<const char*, uint64_t*> flags[] = {
      {"cpuset.cpu_exclusive", &c.cpu_exclusive},
      {"cpuset.mem_hardwall", &c.mem_hardwall},
      {"cpuset.mem_exclusive", &c.mem_exclusive},
      {"cpuset.memory_migrate", &c.memory_migrate},
      {"cpuset.memory_spread_page", &c.memory_spread_page},
      {"cpuset.memory_spread_slab", &c.memory_spread_slab},
      {"cpuset.memory_pressure", &c.memory_pressure},
      {"cpuset.sched_load_balance", &c.sched_load_balance}};
  for (auto [name, field] : flags) *field = TRY(ReadOptionalUint(r, name, 0));
  auto level = r("cpuset.sched_relax_domain_level");
  if (level) {
    try {
      c.sched_relax_domain_level = std::stoll(*level);
    } catch (const std::exception&) {
      return Fail("cpuset.sched_relax_domain_level: {:?} is not a number", *level);
    }
  } else if (!IsNotFound(level.error())) {
    return std::unexpected(level.error());
  }
  return Ok();
}

Status ReadMemoryV1(const FileReader& r, Stats* s) {
  auto text = r("memory.stat");
  if (!text) {
    if (IsNotFound(text.error())) return Ok();
    return std::unexpected(text.error());
  }
  s->memory.raw = TRY_CTX(ParseKeyValues(*text), "memory.stat");
  s->memory.cache = s->memory.raw["cache"];
  s->memory.usage = TRY(ReadMemoryEntry(r, ""));
  s->memory.swap = TRY(ReadMemoryEntry(r, "memsw"));
  s->memory.kernel = TRY(ReadMemoryEntry(r, "kmem"));
  s->memory.kernel_tcp = TRY(ReadMemoryEntry(r, "kmem.tcp"));
  return Ok();
}

Status ReadPids(const FileReader& r, Stats* s) {
  auto current = r("pids.current");
  if (!current) {
    if (!IsNotFound(current.error())) return std::unexpected(current.error());
    // v2 without the pids controller enabled: count the members.
    auto procs = r("cgroup.procs");
    if (!procs) {
      if (IsNotFound(procs.error())) return Ok();
      return std::unexpected(procs.error());
    }
    s->pids.current = static_cast<uint64_t>(std::count(procs->begin(), procs->end(), '\n'));
    s->pids.limit = 0;
    return Ok();
  }
  s->pids.current = TRY_CTX(ParseCgroupUint(*current), "pids.current");
  uint64_t max = TRY(ReadUint(r, "pids.max"));
  // No limit ("max") is reported as 0, as runc does.
  s->pids.limit = max == UINT64_MAX ? 0 : max;
  return Ok();
}

Status ReadBlkioV1(const FileReader& r, Stats* s) {
  // Which files carry the counters depends on the I/O scheduler and kernel
  // (bfq, cfq, or only the throttle layer). runc tries these groups in
  // order and takes the first whose first file has data; we do the same,
  // so the numbers mean what they mean to runc's users.
  auto& b = s->blkio;
  using Files = std::vector<std::pair<const char*, std::vector<BlkioEntry>*>>;
  const Files groups[] = {
      {{"blkio.bfq.sectors_recursive", &b.sectors_recursive},
       {"blkio.bfq.io_service_time_recursive", &b.io_service_time_recursive},
       {"blkio.bfq.io_wait_time_recursive", &b.io_wait_time_recursive},
       {"blkio.bfq.io_merged_recursive", &b.io_merged_recursive},
       {"blkio.bfq.io_queued_recursive", &b.io_queued_recursive},
       {"blkio.bfq.time_recursive", &b.io_time_recursive},
       {"blkio.bfq.io_serviced_recursive", &b.io_serviced_recursive},
       {"blkio.bfq.io_service_bytes_recursive", &b.io_service_bytes_recursive}},
      {{"blkio.bfq.io_serviced_recursive", &b.io_serviced_recursive},
       {"blkio.bfq.io_service_bytes_recursive", &b.io_service_bytes_recursive}},
      {{"blkio.sectors_recursive", &b.sectors_recursive},
       {"blkio.io_service_time_recursive", &b.io_service_time_recursive},
       {"blkio.io_wait_time_recursive", &b.io_wait_time_recursive},
       {"blkio.io_merged_recursive", &b.io_merged_recursive},
       {"blkio.io_queued_recursive", &b.io_queued_recursive},
       {"blkio.time_recursive", &b.io_time_recursive},
       {"blkio.io_serviced_recursive", &b.io_serviced_recursive},
       {"blkio.io_service_bytes_recursive", &b.io_service_bytes_recursive}},
      {{"blkio.throttle.io_serviced_recursive", &b.io_serviced_recursive},
       {"blkio.throttle.io_service_bytes_recursive", &b.io_service_bytes_recursive}},
      {{"blkio.throttle.io_serviced", &b.io_serviced_recursive},
       {"blkio.throttle.io_service_bytes", &b.io_service_bytes_recursive}},
  };
  for (const auto& group : groups) {
    for (size_t i = 0; i < group.size(); ++i) {
      auto [name, target] = group[i];
      Result<std::vector<BlkioEntry>> entries = std::vector<BlkioEntry>{};
      auto text = r(name);
      if (text)
        entries = ParseBlkioV1(*text);
      else if (!IsNotFound(text.error()))
        entries = std::unexpected(text.error());
      if (!entries || entries->empty()) {
        if (i == 0) break;  // this group is not the one: try the next
        if (!entries) return std::unexpected(std::move(entries).error().Context(name));
        return Ok();
      }
      *target = std::move(*entries);
      if (i + 1 == group.size()) return Ok();
    }
  }
  return Ok();
}

Status ReadHugetlbV1(const FileReader& r, const std::vector<std::string>& sizes, Stats* s) {
  for (const auto& size : sizes) {
    std::string base = "hugetlb." + size;
    HugetlbStats h;
    h.usage = TRY(ReadUint(r, base + ".usage_in_bytes"));
    h.max = TRY(ReadUint(r, base + ".max_usage_in_bytes"));
    h.failcnt = TRY(ReadUint(r, base + ".failcnt"));
    s->hugetlb[size] = h;
  }
  return Ok();
}

}  // namespace berth::runtime::cgroup
