#include "engine/container_stats.h"

#include <unistd.h>

#include <sstream>

#include <fmt/core.h>

#include "base/clock.h"
#include "base/fs.h"
#include "engine/container_live.h"
#include "engine/container_service.h"
#include "engine/host_info.h"
#include "runtime/runtime.h"

namespace berth::engine {
namespace {

using nlohmann::json;

constexpr const char* kZeroTime = "0001-01-01T00:00:00Z";

uint64_t U(const json& obj, const char* key) {
  if (!obj.is_object()) return 0;
  auto it = obj.find(key);
  return it != obj.end() && it->is_number_unsigned()  ? it->get<uint64_t>()
         : it != obj.end() && it->is_number_integer() ? static_cast<uint64_t>(it->get<int64_t>())
                                                      : 0;
}

const json& Obj(const json& obj, const char* key) {
  static const json kEmpty = json::object();
  if (!obj.is_object()) return kEmpty;
  auto it = obj.find(key);
  return it != obj.end() && it->is_object() ? *it : kEmpty;
}

json ZeroCpuStats() {
  return {{"cpu_usage", {{"total_usage", 0}, {"usage_in_kernelmode", 0}, {"usage_in_usermode", 0}}},
          {"throttling_data", {{"periods", 0}, {"throttled_periods", 0}, {"throttled_time", 0}}}};
}

json NullBlkio() {
  json b = json::object();
  for (const char* k : {"io_service_bytes_recursive", "io_serviced_recursive", "io_queue_recursive",
                        "io_service_time_recursive", "io_wait_time_recursive",
                        "io_merged_recursive", "io_time_recursive", "sectors_recursive"})
    b[k] = nullptr;
  return b;
}

}  // namespace

Result<uint64_t> SystemCpuUsage(const std::string& proc_stat, long clock_ticks) {
  std::istringstream lines(proc_stat);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string name;
    words >> name;
    if (name != "cpu") continue;
    uint64_t total = 0, v = 0;
    // user nice system idle iowait irq softirq (dockerd sums these seven)
    for (int i = 0; i < 7 && (words >> v); i++) total += v;
    if (clock_ticks <= 0) return Fail("/proc/stat: no clock tick rate");
    return total * (1'000'000'000 / static_cast<uint64_t>(clock_ticks));
  }
  return Fail("/proc/stat: no cpu line");
}

json NetworksFromNetDev(const std::string& net_dev) {
  json nets = json::object();
  std::istringstream lines(net_dev);
  std::string line;
  while (std::getline(lines, line)) {
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;  // the two header lines
    std::string name = line.substr(0, colon);
    name.erase(0, name.find_first_not_of(' '));
    if (name.empty() || name == "lo") continue;
    std::istringstream f(line.substr(colon + 1));
    uint64_t v[16] = {};
    for (uint64_t& x : v)
      if (!(f >> x)) break;
    // Receive: bytes packets errs drop fifo frame compressed multicast;
    // transmit: bytes packets errs drop ...
    nets[name] = {{"rx_bytes", v[0]},   {"rx_packets", v[1]}, {"rx_errors", v[2]},
                  {"rx_dropped", v[3]}, {"tx_bytes", v[8]},   {"tx_packets", v[9]},
                  {"tx_errors", v[10]}, {"tx_dropped", v[11]}};
  }
  return nets;
}

json DockerStats(const StatsSample& s, const std::string& name, const std::string& id) {
  const json& d = s.runc_data;
  // CPU: total, per CPU (v1 only), kernel and user time, throttling.
  const json& cpu = Obj(d, "cpu");
  const json& usage = Obj(cpu, "usage");
  json cpu_usage = {{"total_usage", U(usage, "total")},
                    {"usage_in_kernelmode", U(usage, "kernel")},
                    {"usage_in_usermode", U(usage, "user")}};
  if (auto it = usage.find("percpu"); it != usage.end() && it->is_array() && !it->empty())
    cpu_usage["percpu_usage"] = *it;
  const json& thr = Obj(cpu, "throttling");
  json cpu_stats = {{"cpu_usage", cpu_usage},
                    {"system_cpu_usage", s.system_cpu_usage},
                    {"online_cpus", s.online_cpus},
                    {"throttling_data",
                     {{"periods", U(thr, "periods")},
                      {"throttled_periods", U(thr, "throttledPeriods")},
                      {"throttled_time", U(thr, "throttledTime")}}}};

  // Memory: usage, its high-water mark (v1), memory.stat, the limit (the
  // host's memory when unlimited, as dockerd reports it).
  const json& mem = Obj(d, "memory");
  const json& mu = Obj(mem, "usage");
  uint64_t limit = U(mu, "limit");
  if (s.host_memory > 0 && (limit == 0 || limit > static_cast<uint64_t>(s.host_memory)))
    limit = static_cast<uint64_t>(s.host_memory);
  json memory_stats = {{"usage", U(mu, "usage")}, {"stats", Obj(mem, "raw")}, {"limit", limit}};
  if (!s.cgroup_v2) {
    memory_stats["max_usage"] = U(mu, "max");
    memory_stats["failcnt"] = U(mu, "failcnt");
  }

  // Block I/O: runc's camelCase lists under docker's names.
  const json& blk = Obj(d, "blkio");
  json blkio = NullBlkio();
  const std::pair<const char*, const char*> kBlkio[] = {
      {"ioServiceBytesRecursive", "io_service_bytes_recursive"},
      {"ioServicedRecursive", "io_serviced_recursive"},
      {"ioQueueRecursive", "io_queue_recursive"},
      {"ioServiceTimeRecursive", "io_service_time_recursive"},
      {"ioWaitTimeRecursive", "io_wait_time_recursive"},
      {"ioMergedRecursive", "io_merged_recursive"},
      {"ioTimeRecursive", "io_time_recursive"},
      {"sectorsRecursive", "sectors_recursive"}};
  for (const auto& [from, to] : kBlkio) {
    auto it = blk.find(from);
    if (it == blk.end() || !it->is_array()) continue;
    json list = json::array();
    for (const json& e : *it)
      list.push_back({{"major", U(e, "major")},
                      {"minor", U(e, "minor")},
                      {"op", e.is_object() ? e.value("op", "") : ""},
                      {"value", U(e, "value")}});
    blkio[to] = list;
  }

  const json& pids = Obj(d, "pids");
  json pids_stats = {{"current", U(pids, "current")}};
  if (U(pids, "limit")) pids_stats["limit"] = U(pids, "limit");

  json j = {{"read", s.read},
            {"preread", kZeroTime},
            {"pids_stats", pids_stats},
            {"blkio_stats", blkio},
            {"num_procs", 0},
            {"storage_stats", json::object()},
            {"cpu_stats", cpu_stats},
            {"precpu_stats", ZeroCpuStats()},
            {"memory_stats", memory_stats},
            {"name", name},
            {"id", id}};
  if (s.networks.is_object() && !s.networks.empty()) j["networks"] = s.networks;
  return j;
}

json EmptyDockerStats(const std::string& name, const std::string& id) {
  return {{"read", kZeroTime},
          {"preread", kZeroTime},
          {"pids_stats", json::object()},
          {"blkio_stats", NullBlkio()},
          {"num_procs", 0},
          {"storage_stats", json::object()},
          {"cpu_stats", ZeroCpuStats()},
          {"precpu_stats", ZeroCpuStats()},
          {"memory_stats", json::object()},
          {"name", name},
          {"id", id}};
}

json WithPrevious(json current, const json& previous) {
  if (previous.is_object() && previous.contains("cpu_stats")) {
    current["precpu_stats"] = previous["cpu_stats"];
    current["preread"] = previous.value("read", kZeroTime);
  }
  return current;
}

Result<json> ContainerService::Stats(const std::string& name_or_id) {
  ContainerRecord rec = TRY(store_.Lookup(name_or_id));
  std::string name = "/" + rec.name;
  if (!IsRunning(rec.state)) return EmptyDockerStats(name, rec.id);
  auto event = runtime::StatsEvent({.root = RuntimeRoot()}, rec.id);
  // It stopped meanwhile: as a stopped one.
  if (!event) return EmptyDockerStats(name, rec.id);
  StatsSample s;
  s.read = NowRfc3339Nano();
  s.runc_data = (*event)["data"];
  if (auto stat = ReadFile("/proc/stat"))
    if (auto u = SystemCpuUsage(*stat, ::sysconf(_SC_CLK_TCK))) s.system_cpu_usage = *u;
  s.online_cpus = static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN));
  HostInfo host = ReadHostInfo();
  s.host_memory = host.mem_total;
  s.cgroup_v2 = host.cgroup_version == "2";
  if (rec.state.pid > 0)
    if (auto dev = ReadFile(fmt::format("/proc/{}/net/dev", rec.state.pid)))
      s.networks = NetworksFromNetDev(*dev);
  return DockerStats(s, name, rec.id);
}

}  // namespace berth::engine
