#include "cli/client/run_flags_resources.h"

#include <cctype>
#include <cmath>
#include <cstdlib>

namespace berth::cli {

using nlohmann::json;

namespace {

// The ulimit names docker's CLI knows (go-units).
constexpr const char* kUlimitNames[] = {"core",    "cpu",      "data",   "fsize",      "locks",
                                        "memlock", "msgqueue", "nice",   "nofile",     "nproc",
                                        "rss",     "rtprio",   "rttime", "sigpending", "stack"};

Result<int64_t> ParseInt64(const std::string& s) {
  if (s.empty()) return Fail("empty");
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return Fail("invalid");
  return static_cast<int64_t>(v);
}

// --ulimit nofile=1024:2048 (or nofile=1024: the hard limit the same).
Result<json> ParseUlimit(const std::string& v) {
  auto bad = [&](const std::string& why) {
    return Fail("invalid argument \"{}\" for \"--ulimit\" flag: {}", v, why);
  };
  size_t eq = v.find('=');
  if (eq == std::string::npos) return bad("invalid ulimit argument: " + v);
  std::string name = v.substr(0, eq);
  bool known = false;
  for (const char* n : kUlimitNames) known = known || name == n;
  if (!known) return bad("invalid ulimit type: " + name);
  std::string limits = v.substr(eq + 1);
  size_t colon = limits.find(':');
  auto soft = ParseInt64(limits.substr(0, colon));
  auto hard = colon == std::string::npos ? soft : ParseInt64(limits.substr(colon + 1));
  if (!soft || !hard) return bad("invalid ulimit argument: " + v);
  if (*soft > *hard)
    return bad("ulimit soft limit must be less than or equal to hard limit: " +
               std::to_string(*soft) + " > " + std::to_string(*hard));
  return json{{"Name", name}, {"Hard", *hard}, {"Soft", *soft}};
}

// --device-read-bps /dev/sda:1mb; --device-read-iops /dev/sda:100.
Result<json> ParseThrottle(const std::string& flag, const std::string& v, bool bytes) {
  size_t colon = v.find(':');
  if (colon == std::string::npos)
    return Fail("invalid argument \"{}\" for \"--{}\" flag: bad format: {}", v, flag, v);
  std::string path = v.substr(0, colon);
  if (!path.starts_with("/dev/"))
    return Fail("invalid argument \"{}\" for \"--{}\" flag: bad format for device path: {}", v,
                flag, v);
  std::string rate_text = v.substr(colon + 1);
  Result<int64_t> rate = bytes ? ParseRamBytes(rate_text) : ParseInt64(rate_text);
  if (!rate || *rate < 0)
    return Fail(
        "invalid argument \"{}\" for \"--{}\" flag: invalid rate for device: {}. The correct "
        "format is <device-path>:<number>{}. Number must be a positive integer{}",
        v, flag, v, bytes ? "[<unit>]" : "",
        bytes ? ". Unit is optional and can be kb, mb, or gb" : "");
  return json{{"Path", path}, {"Rate", *rate}};
}

Result<int64_t> SizeFlag(const std::string& flag, const std::string& v) {
  auto n = ParseRamBytes(v);
  if (!n) return Fail("invalid argument \"{}\" for \"--{}\" flag: {}", v, flag, n.error().What());
  return *n;
}

}  // namespace

Result<int64_t> ParseRamBytes(const std::string& s) {
  size_t i = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
  if (i == 0 || s[0] == '.') return Fail("invalid size: '{}'", s);
  char* end = nullptr;
  double value = std::strtod(s.substr(0, i).c_str(), &end);
  if (*end != '\0') return Fail("invalid size: '{}'", s);
  std::string unit;
  for (size_t k = i; k < s.size(); ++k)
    if (s[k] != ' ' || k != i)
      unit += static_cast<char>(std::tolower(static_cast<unsigned char>(s[k])));
  if (unit.size() > 1 && unit.back() == 'b') unit.pop_back();
  if (unit.size() > 1 && unit.back() == 'i') unit.pop_back();
  static const std::pair<const char*, double> kUnits[] = {{"", 1},
                                                          {"b", 1},
                                                          {"k", 1024.0},
                                                          {"m", 1048576.0},
                                                          {"g", 1073741824.0},
                                                          {"t", 1099511627776.0},
                                                          {"p", 1125899906842624.0}};
  for (auto [name, mult] : kUnits)
    if (unit == name) {
      double bytes = value * mult;
      if (bytes > 9.2e18) return Fail("invalid size: '{}'", s);
      return static_cast<int64_t>(bytes);
    }
  return Fail("invalid size: '{}'", s);
}

Result<int64_t> ParseNanoCpus(const std::string& s) {
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || !std::isfinite(v))
    return Fail(
        "invalid argument \"{}\" for \"--cpus\" flag: failed to parse {} as a rational number", s,
        s);
  double nano = std::round(v * 1e9);
  if (nano < 0 || nano > 9.2e18)
    return Fail("invalid argument \"{}\" for \"--cpus\" flag: value is too precise", s);
  return static_cast<int64_t>(nano);
}

void AddUpdateResourceFlags(CLI::App* cmd, ResourceFlags* f) {
  cmd->add_option("-m,--memory", f->memory, "memory limit");
  cmd->add_option("--memory-swap", f->memory_swap,
                  "swap limit equal to memory plus swap: '-1' to enable unlimited swap");
  cmd->add_option("--memory-reservation", f->memory_reservation, "memory soft limit");
  cmd->add_option("--kernel-memory", f->kernel_memory, "kernel memory limit");
  cmd->add_option("--cpus", f->cpus, "number of CPUs");
  cmd->add_option("-c,--cpu-shares", f->cpu_shares, "CPU shares (relative weight)");
  cmd->add_option("--cpu-period", f->cpu_period,
                  "limit CPU CFS (Completely Fair Scheduler) period");
  cmd->add_option("--cpu-quota", f->cpu_quota, "limit CPU CFS (Completely Fair Scheduler) quota");
  cmd->add_option("--cpuset-cpus", f->cpuset_cpus, "CPUs in which to allow execution (0-3, 0,1)");
  cmd->add_option("--cpuset-mems", f->cpuset_mems, "MEMs in which to allow execution (0-3, 0,1)");
  // A pointer in docker's API: set only when the flag is given.
  cmd->add_option_function<int64_t>(
      "--pids-limit", [f](const int64_t& v) { f->pids_limit = v; },
      "tune container pids limit (set -1 for unlimited)");
  cmd->add_option("--blkio-weight", f->blkio_weight,
                  "block IO (relative weight), between 10 and 1000, or 0 to disable");
}

void AddResourceFlags(CLI::App* cmd, ResourceFlags* f) {
  AddUpdateResourceFlags(cmd, f);
  cmd->add_flag("--oom-kill-disable", f->oom_kill_disable, "disable OOM Killer");
  cmd->add_option("--shm-size", f->shm_size, "size of /dev/shm");
  cmd->add_option("--ulimit", f->ulimits, "ulimit options")->allow_extra_args(false);
  cmd->add_option("--device-read-bps", f->device_read_bps,
                  "limit read rate (bytes per second) from a device")
      ->allow_extra_args(false);
  cmd->add_option("--device-write-bps", f->device_write_bps,
                  "limit write rate (bytes per second) to a device")
      ->allow_extra_args(false);
  cmd->add_option("--device-read-iops", f->device_read_iops,
                  "limit read rate (IO per second) from a device")
      ->allow_extra_args(false);
  cmd->add_option("--device-write-iops", f->device_write_iops,
                  "limit write rate (IO per second) to a device")
      ->allow_extra_args(false);
}

Status AddResourceBody(const ResourceFlags& f, json*, json* host_config) {
  json& h = *host_config;
  int64_t memory = 0, swap = 0, reservation = 0, kernel = 0, shm = 0, nano = 0;
  if (!f.memory.empty()) memory = TRY(SizeFlag("memory", f.memory));
  // --memory-swap -1: unlimited swap (go-units would refuse the sign).
  if (f.memory_swap == "-1")
    swap = -1;
  else if (!f.memory_swap.empty())
    swap = TRY(SizeFlag("memory-swap", f.memory_swap));
  if (!f.memory_reservation.empty())
    reservation = TRY(SizeFlag("memory-reservation", f.memory_reservation));
  if (!f.kernel_memory.empty()) kernel = TRY(SizeFlag("kernel-memory", f.kernel_memory));
  if (!f.shm_size.empty()) shm = TRY(SizeFlag("shm-size", f.shm_size));
  if (!f.cpus.empty()) nano = TRY(ParseNanoCpus(f.cpus));

  json ulimits = json::array();
  for (const std::string& u : f.ulimits) ulimits.push_back(TRY(ParseUlimit(u)));
  auto throttles = [](const char* flag, const std::vector<std::string>& v,
                      bool bytes) -> Result<json> {
    json out = json::array();
    for (const std::string& d : v) out.push_back(TRY(ParseThrottle(flag, d, bytes)));
    return out;
  };

  h["Memory"] = memory;
  h["MemorySwap"] = swap;
  h["MemoryReservation"] = reservation;
  h["KernelMemory"] = kernel;
  h["NanoCpus"] = nano;
  h["CpuShares"] = f.cpu_shares;
  h["CpuPeriod"] = f.cpu_period;
  h["CpuQuota"] = f.cpu_quota;
  h["CpusetCpus"] = f.cpuset_cpus;
  h["CpusetMems"] = f.cpuset_mems;
  h["BlkioWeight"] = f.blkio_weight;
  // A pointer in docker's API: sent only when the flag was given.
  if (f.pids_limit) h["PidsLimit"] = *f.pids_limit;
  h["OomKillDisable"] = f.oom_kill_disable;
  h["ShmSize"] = shm;
  h["Ulimits"] = ulimits;
  h["BlkioDeviceReadBps"] = TRY(throttles("device-read-bps", f.device_read_bps, true));
  h["BlkioDeviceWriteBps"] = TRY(throttles("device-write-bps", f.device_write_bps, true));
  h["BlkioDeviceReadIOps"] = TRY(throttles("device-read-iops", f.device_read_iops, false));
  h["BlkioDeviceWriteIOps"] = TRY(throttles("device-write-iops", f.device_write_iops, false));
  return Ok();
}

}  // namespace berth::cli
