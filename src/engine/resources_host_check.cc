#include "engine/resources_host_check.h"

#include <sched.h>
#include <string.h>
#include <sys/stat.h>

#include <algorithm>

#include "base/fs.h"

namespace berth::engine {
namespace {

// The CPUs this daemon may run on: what docker counts (Go's NumCPU).
int HostCpuCount() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  return CPU_COUNT(&set);
}

// The kernel's list in `path` ("0-1\n"), or `fallback` when it cannot be
// read (a host without NUMA has no node directory: node 0 only).
std::string OnlineList(const char* path, const char* fallback) {
  auto text = ReadFile(path);
  if (!text) return fallback;
  std::string s = *text;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s.empty() ? fallback : s;
}

Status CheckSubset(const std::string& requested, const char* path, const char* what) {
  if (requested.empty()) return Ok();
  auto want = ParseCpuList(requested);
  if (!want) return FailAs(EINVAL, "Invalid value {} for cpuset {}", requested, what);
  std::string online = OnlineList(path, "0");
  auto have = ParseCpuList(online);
  if (!have) return Ok();  // the kernel's own list unreadable: let the cgroup decide
  for (int c : *want)
    if (!std::binary_search(have->begin(), have->end(), c))
      return FailAs(EINVAL, "Requested {} are not available - requested {}, available: {}",
                    std::string_view(what) == "cpus" ? "CPUs" : "memory nodes", requested, online);
  return Ok();
}

}  // namespace

Status CheckResourcesOnHost(const Resources& r) {
  int ncpu = HostCpuCount();
  if (r.nano_cpus < 0 || r.nano_cpus > int64_t{ncpu} * 1000000000)
    return FailAs(EINVAL,
                  "Range of CPUs is from 0.01 to {}.00, as there are only {} CPUs available", ncpu,
                  ncpu);
  TRY(CheckSubset(r.cpuset_cpus, "/sys/devices/system/cpu/online", "cpus"));
  TRY(CheckSubset(r.cpuset_mems, "/sys/devices/system/node/online", "mems"));
  for (const auto* list : {&r.blkio_device_read_bps, &r.blkio_device_write_bps,
                           &r.blkio_device_read_iops, &r.blkio_device_write_iops})
    for (const ThrottleDevice& d : *list) {
      struct stat st {};
      if (::stat(d.path.c_str(), &st) != 0)
        return FailAs(EINVAL, "stat {}: {}", d.path, ::strerror(errno));
      if (!S_ISBLK(st.st_mode)) return FailAs(EINVAL, "{} is not a block device", d.path);
    }
  return Ok();
}

}  // namespace berth::engine
