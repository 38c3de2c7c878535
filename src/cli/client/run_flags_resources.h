// The flags of create/run for one area (--memory, --memory-swap, --memory-reservation,
// --oom-kill-disable, --kernel-memory, --cpus, --cpu-shares, --cpu-period, --cpu-quota,
// --cpuset-cpus, --cpuset-mems, --pids-limit, --blkio-weight, --device-read-bps and the rest,
// --ulimit, --shm-size), and what they put into the create request's Config and HostConfig, as
// docker 20.10's CLI sends them. `berth update` takes the same flags (a subset) into its body.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "base/error.h"

namespace berth::cli {

// Each as the user typed it; parsed (and refused) by AddResourceBody.
struct ResourceFlags {
  std::string memory, memory_swap, memory_reservation, kernel_memory, shm_size;
  bool oom_kill_disable = false;
  std::string cpus;
  int64_t cpu_shares = 0, cpu_period = 0, cpu_quota = 0;
  std::string cpuset_cpus, cpuset_mems;
  std::optional<int64_t> pids_limit;
  uint16_t blkio_weight = 0;
  std::vector<std::string> device_read_bps, device_write_bps, device_read_iops, device_write_iops;
  std::vector<std::string> ulimits;
};

void AddResourceFlags(CLI::App* cmd, ResourceFlags* f);
// The subset `docker update` takes (memory, cpu, cpuset, pids, blkio weight).
void AddUpdateResourceFlags(CLI::App* cmd, ResourceFlags* f);
// Adds the flags' fields to the request's Config and HostConfig; a
// one-line error for a value the CLI itself refuses (exit 125). For an
// update, pass the body as `host_config` (its fields are at the top).
Status AddResourceBody(const ResourceFlags& f, nlohmann::json* config, nlohmann::json* host_config);

// go-units RAMInBytes: "32m", "1g", "1.5GiB", "1024" (binary units; b, k,
// m, g, t, p, with an optional "i" and "b").
Result<int64_t> ParseRamBytes(const std::string& s);
// --cpus: a decimal number of CPUs as billionths ("1.5" -> 1500000000).
Result<int64_t> ParseNanoCpus(const std::string& s);

}  // namespace berth::cli
