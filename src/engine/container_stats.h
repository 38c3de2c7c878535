// docker stats in the Engine API's JSON (types.StatsJSON): a container's
// CPU, memory, block I/O and pids counters read from its cgroup (through
// the runtime library's stats, runc's event form), the host's CPU time
// for the CPU % formula, and the network counters of its network
// namespace (/proc/PID/net/dev).
//
// Pure functions of their inputs; ContainerService::Stats reads the files.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "base/error.h"

namespace berth::engine {

// The host's CPU time in nanoseconds, as dockerd's system_cpu_usage: the
// sum of /proc/stat's first "cpu" line (ticks of `clock_ticks` per second).
Result<uint64_t> SystemCpuUsage(const std::string& proc_stat, long clock_ticks);

// docker's "networks": per interface but lo, {rx_bytes, rx_packets,
// rx_errors, rx_dropped, tx_bytes, tx_packets, tx_errors, tx_dropped},
// from /proc/PID/net/dev; an empty object when only lo is there.
nlohmann::json NetworksFromNetDev(const std::string& net_dev);

// What a sample is made from.
struct StatsSample {
  std::string read;          // RFC 3339 time of the sample
  nlohmann::json runc_data;  // "data" of the runtime's stats event
  uint64_t system_cpu_usage = 0;
  int online_cpus = 0;
  int64_t host_memory = 0;  // caps an unlimited memory limit, as dockerd
  bool cgroup_v2 = false;
  nlohmann::json networks;  // NetworksFromNetDev, or null
};

// One StatsJSON object without precpu_stats/preread (the caller pairs
// samples), with "name" ("/x") and "id".
nlohmann::json DockerStats(const StatsSample& s, const std::string& name, const std::string& id);
// dockerd's answer for a container that does not run: zeros, name and ID.
nlohmann::json EmptyDockerStats(const std::string& name, const std::string& id);
// `current` with precpu_stats and preread taken from `previous` (an
// earlier DockerStats, or null: zeros).
nlohmann::json WithPrevious(nlohmann::json current, const nlohmann::json& previous);

}  // namespace berth::engine
