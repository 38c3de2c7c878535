// Resource usage of a container's cgroup, read from the kernel's cgroup
// files: what `berth-runtime events` reports, in runc's event format
// (runc's types.Stats: the same field names, units and omitted zeros).
//
// Readers take a FileReader for a controller's directory, so tests can
// feed them sample file texts (v1 and v2) without a kernel. v1 reads each
// controller's own hierarchy; v2 reads the one unified directory. On a
// hybrid host the v1 controllers are read, plus hugetlb from the unified
// tree when it is enabled there.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "runtime/cgroup/cgroup.h"

namespace berth::runtime::cgroup {

struct CpuUsage {
  uint64_t total = 0;  // nanoseconds
  std::vector<uint64_t> percpu, percpu_kernel, percpu_user;
  uint64_t kernel = 0, user = 0;
};
struct Throttling {
  uint64_t periods = 0, throttled_periods = 0, throttled_time = 0;  // time in ns
};
struct CpuSetStats {
  std::vector<uint16_t> cpus, mems;
  uint64_t cpu_exclusive = 0, mem_hardwall = 0, mem_exclusive = 0, memory_migrate = 0,
           memory_spread_page = 0, memory_spread_slab = 0, memory_pressure = 0,
           sched_load_balance = 0;
  int64_t sched_relax_domain_level = 0;
};
struct MemoryEntry {
  uint64_t limit = 0, usage = 0, max = 0, failcnt = 0;
};
struct MemoryStats {
  uint64_t cache = 0;
  MemoryEntry usage, swap, kernel, kernel_tcp;  // swap is memory+swap, as v1 counts it
  std::map<std::string, uint64_t> raw;          // memory.stat
};
struct PidsStats {
  uint64_t current = 0, limit = 0;  // limit 0: none
};
struct BlkioEntry {
  uint64_t major = 0, minor = 0;
  std::string op;
  uint64_t value = 0;
  bool operator==(const BlkioEntry&) const = default;
};
struct BlkioStats {
  std::vector<BlkioEntry> io_service_bytes_recursive, io_serviced_recursive, io_queued_recursive,
      io_service_time_recursive, io_wait_time_recursive, io_merged_recursive, io_time_recursive,
      sectors_recursive;
};
struct HugetlbStats {
  uint64_t usage = 0, max = 0, failcnt = 0;
};
struct Stats {
  CpuUsage cpu_usage;
  Throttling throttling;
  CpuSetStats cpuset;
  MemoryStats memory;
  PidsStats pids;
  BlkioStats blkio;
  std::map<std::string, HugetlbStats> hugetlb;  // by page size name, "2MB"
};

// The container's stats now. Controllers that this host does not have are
// left zero; a file of a present controller that cannot be read or parsed
// is an error naming it.
Result<Stats> ReadStats(const Placement& p);

// The directory of v1 `controller` ("memory") of this placement, or on a
// pure v2 host the one v2 directory; empty if the host mounts no such
// controller.
std::string ControllerDir(const Placement& p, const Layout& layout, const std::string& controller);

// runc's JSON for the "data" of a stats event, keys in runc's order.
nlohmann::ordered_json StatsToJson(const Stats& s);

// Reads file `name` of one cgroup directory (ENOENT when it is absent).
using FileReader = std::function<Result<std::string>(const std::string& name)>;
FileReader DirReader(std::string dir);

// Per controller readers. `hugepage_sizes` are names such as "2MB".
Status ReadCpuV1(const FileReader& cpu, Stats* s);       // cpu.stat throttling
Status ReadCpuacctV1(const FileReader& acct, Stats* s);  // cpuacct.*
Status ReadCpusetV1(const FileReader& cpuset, Stats* s);
Status ReadMemoryV1(const FileReader& mem, Stats* s);
Status ReadPids(const FileReader& pids, Stats* s);  // same files on v1 and v2
Status ReadBlkioV1(const FileReader& blkio, Stats* s);
Status ReadHugetlbV1(const FileReader& h, const std::vector<std::string>& sizes, Stats* s);
Status ReadCpuV2(const FileReader& dir, Stats* s);
Status ReadMemoryV2(const FileReader& dir, Stats* s);
Status ReadIoV2(const FileReader& dir, Stats* s);
Status ReadHugetlbV2(const FileReader& dir, const std::vector<std::string>& sizes, Stats* s);

// Pure parsers of cgroup file formats.
// One number; "max" is UINT64_MAX and negatives (kernel bugs) are 0.
Result<uint64_t> ParseCgroupUint(const std::string& text);
// "key value" lines (memory.stat, cpu.stat).
Result<std::map<std::string, uint64_t>> ParseKeyValues(const std::string& text);
// A cpu or node list: "0-3,8".
Result<std::vector<uint16_t>> ParseCpuList(const std::string& text);
// A v1 blkio stat file: "8:0 Read 4096" lines and a "Total N" line.
Result<std::vector<BlkioEntry>> ParseBlkioV1(const std::string& text);
// "hugepages-2048kB" -> "2MB", as runc names page sizes; empty if not one.
std::string HugePageSizeName(const std::string& sysfs_dir_name);
// The page sizes this host has, from /sys/kernel/mm/hugepages.
std::vector<std::string> HugePageSizes();

}  // namespace berth::runtime::cgroup
