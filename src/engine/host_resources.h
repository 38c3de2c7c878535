// A container's resource limits as docker's HostConfig carries them
// (Memory, NanoCpus, CpuShares, PidsLimit, BlkioWeight, Ulimits, ShmSize,
// ...): parsed and checked from the API's JSON, written back into the
// stored record, and applied to the OCI spec (linux.resources, rlimits,
// /dev/shm's size).
//
// Zero means "not set" for every number, as in docker's API (a zero
// Memory is no limit, a zero CpuShares the kernel's default).
//
// Parsing and serializing are plain value code. Turning a throttle
// device's path into its major:minor and seeing which cgroup files the
// host has (ApplyResources, ResourcesToOci) look at the host; the checks
// against the host's CPUs and devices at create are in
// resources_host_check.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "spec/runtime_spec.h"

namespace berth::engine {

// One --device-read-bps (and -write-bps, -read-iops, -write-iops) entry:
// bytes or operations per second on the block device at `path`.
struct ThrottleDevice {
  std::string path;
  uint64_t rate = 0;
};

// One --ulimit: a process.rlimits entry ("nofile" is RLIMIT_NOFILE).
struct Ulimit {
  std::string name;
  int64_t soft = 0;
  int64_t hard = 0;
};

struct Resources {
  int64_t memory = 0;                        // bytes; 0: no limit
  int64_t memory_swap = 0;                   // memory plus swap, bytes; -1: unlimited swap
  int64_t memory_reservation = 0;            // the soft limit, bytes
  int64_t kernel_memory = 0;                 // accepted with a warning, never applied
  std::optional<int64_t> memory_swappiness;  // 0..100; absent: the host's
  bool oom_kill_disable = false;
  int64_t nano_cpus = 0;    // 10^-9 CPUs (--cpus 1.5 = 1500000000)
  int64_t cpu_shares = 0;   // relative weight (1024 is the default share)
  int64_t cpu_period = 0;   // CFS period, microseconds
  int64_t cpu_quota = 0;    // CFS quota, microseconds per period; -1: none
  std::string cpuset_cpus;  // "0-2,4"
  std::string cpuset_mems;
  std::optional<int64_t> pids_limit;  // absent: unlimited
  int64_t blkio_weight = 0;           // 10..1000
  std::vector<ThrottleDevice> blkio_device_read_bps, blkio_device_write_bps, blkio_device_read_iops,
      blkio_device_write_iops;
  std::vector<Ulimit> ulimits;
  int64_t shm_size = 0;  // bytes of /dev/shm; 0: docker's 64 MiB
};

// docker's smallest memory limit and reservation (6 MiB).
inline constexpr int64_t kMinMemory = 6 * 1024 * 1024;
// docker's default /dev/shm size (64 MiB).
inline constexpr int64_t kDefaultShmSize = 64 * 1024 * 1024;

// Reads the resource fields of a HostConfig object (or of an update
// body, which has the same names), checking types only; nothing is
// defaulted. Errors name the field: "HostConfig.Memory: must be an integer".
Result<Resources> ReadResources(const nlohmann::json& host_config);

// docker's checks of a create request's values that need no host, with
// docker's messages ("Minimum memory limit allowed is 6MB"). `update`:
// the values of an update body, where a MemorySwap without Memory is
// allowed (it changes the stored one).
Status ValidateResources(const Resources& r, bool update);

// ReadResources, ValidateResources, then docker's defaults: MemorySwap
// twice Memory when only Memory is given, ShmSize 64 MiB, a PidsLimit of
// 0 or less as none. Idempotent, so that the stored record reads back the
// same. One-line errors fit for a 400.
Result<Resources> ParseResources(const nlohmann::json& host_config);

// Writes every field into a HostConfig object (the stored and inspected
// form), with docker's zero values for the unset ones.
void ResourcesToJson(const Resources& r, nlohmann::json* host_config);

// The OCI linux.resources object (without devices) for `r`: memory, cpu,
// pids and blockIO. Throttle devices are turned into major:minor here
// (stat: an error names a path that is gone). What the host's cgroups
// cannot do and docker discards with a warning (a blkio weight without a
// weight file, swap without swap accounting) is left out.
Result<nlohmann::json> ResourcesToOci(const Resources& r);

// Puts the limits into the container's spec: linux.resources (merged
// into what is there), process.rlimits (replacing an entry of the same
// type), and the size of the default /dev/shm mount (one the user mounted
// there is left alone).
Status ApplyResources(const Resources& r, spec::Config* config);

// A cpuset list as the kernel writes it ("0-2,4"), sorted, without
// repeats; an error for anything else (the message is the text itself).
Result<std::vector<int>> ParseCpuList(std::string_view s);
// The process.rlimits type of a docker ulimit name ("nofile" ->
// "RLIMIT_NOFILE"); empty when docker does not know the name.
std::string RlimitType(const std::string& name);

}  // namespace berth::engine
