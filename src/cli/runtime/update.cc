// berth-runtime update ID: changes a container's resources, from a
// linux.resources JSON (--resources FILE, or - for stdin) and/or runc's
// flags, which override the file's values.
#include <unistd.h>

#include <cstdio>

#include "base/fs.h"
#include "cli/runtime/commands.h"

namespace berth::cli {
namespace {

struct UpdateArgs {
  std::string id;
  std::string resources;
  std::string memory, memory_reservation, memory_swap, kernel_memory, kernel_memory_tcp;
  std::string cpu_period, cpu_quota, cpu_share, cpu_rt_period, cpu_rt_runtime;
  std::string cpuset_cpus, cpuset_mems, pids_limit, blkio_weight;
  std::string l3_cache_schema, mem_bw_schema;
};

Result<int64_t> Integer(const std::string& flag, const std::string& v) {
  char* end = nullptr;
  errno = 0;
  long long n = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || errno != 0) return Fail("--{}: {:?} is not an integer", flag, v);
  return static_cast<int64_t>(n);
}

Result<nlohmann::json> Build(const UpdateArgs& a) {
  nlohmann::json r = nlohmann::json::object();
  if (!a.resources.empty()) {
    std::string text;
    if (a.resources == "-") {
      char buf[4096];
      ssize_t n;
      while ((n = ::read(STDIN_FILENO, buf, sizeof buf)) > 0)
        text.append(buf, static_cast<size_t>(n));
    } else {
      text = TRY_CTX(ReadFile(a.resources), "--resources");
    }
    r = nlohmann::json::parse(text, nullptr, false);
    if (r.is_discarded() || !r.is_object())
      return Fail("--resources {}: not a JSON object of linux.resources", a.resources);
  }
  if (!a.kernel_memory.empty() || !a.kernel_memory_tcp.empty())
    return Fail("--kernel-memory: kernel memory limits are not supported by this kernel");
  if (!a.l3_cache_schema.empty() || !a.mem_bw_schema.empty())
    return Fail("--l3-cache-schema/--mem-bw-schema: Intel RDT is not supported");
  auto mem = [&](const char* flag, const std::string& v, const char* key) -> Status {
    if (v.empty()) return Ok();
    r["memory"][key] = TRY_CTX(runtime::ParseMemoryValue(v), "--{}", flag);
    return Ok();
  };
  TRY(mem("memory", a.memory, "limit"));
  TRY(mem("memory-reservation", a.memory_reservation, "reservation"));
  TRY(mem("memory-swap", a.memory_swap, "swap"));
  auto num = [&](const char* flag, const std::string& v, const char* group,
                 const char* key) -> Status {
    if (v.empty()) return Ok();
    r[group][key] = TRY(Integer(flag, v));
    return Ok();
  };
  TRY(num("cpu-period", a.cpu_period, "cpu", "period"));
  TRY(num("cpu-quota", a.cpu_quota, "cpu", "quota"));
  TRY(num("cpu-share", a.cpu_share, "cpu", "shares"));
  TRY(num("cpu-rt-period", a.cpu_rt_period, "cpu", "realtimePeriod"));
  TRY(num("cpu-rt-runtime", a.cpu_rt_runtime, "cpu", "realtimeRuntime"));
  TRY(num("pids-limit", a.pids_limit, "pids", "limit"));
  TRY(num("blkio-weight", a.blkio_weight, "blockIO", "weight"));
  if (!a.cpuset_cpus.empty()) r["cpu"]["cpus"] = a.cpuset_cpus;
  if (!a.cpuset_mems.empty()) r["cpu"]["mems"] = a.cpuset_mems;
  if (r.empty()) return Fail("update: nothing to change (give --resources or a resource flag)");
  return r;
}

}  // namespace

void AddUpdate(CLI::App& app, Globals& g, Action* action) {
  auto* cmd = app.add_subcommand("update", "update a container's resource limits");
  auto a = std::make_shared<UpdateArgs>();
  cmd->add_option("id", a->id, "container id")->required();
  cmd->add_option("-r,--resources", a->resources, "linux.resources JSON file, - for stdin");
  cmd->add_option("--memory", a->memory, "memory limit (bytes, or 512m, 1g; -1 unlimited)");
  cmd->add_option("--memory-reservation", a->memory_reservation, "memory soft limit");
  cmd->add_option("--memory-swap", a->memory_swap, "memory plus swap limit (-1 unlimited)");
  cmd->add_option("--kernel-memory", a->kernel_memory, "refused: not supported by the kernel");
  cmd->add_option("--kernel-memory-tcp", a->kernel_memory_tcp, "refused: not supported");
  cmd->add_option("--cpu-period", a->cpu_period, "CFS period (microseconds)");
  cmd->add_option("--cpu-quota", a->cpu_quota, "CFS quota (microseconds per period)");
  cmd->add_option("--cpu-share", a->cpu_share, "CPU shares (relative weight)");
  cmd->add_option("--cpu-rt-period", a->cpu_rt_period, "real-time period (microseconds)");
  cmd->add_option("--cpu-rt-runtime", a->cpu_rt_runtime, "real-time runtime (microseconds)");
  cmd->add_option("--cpuset-cpus", a->cpuset_cpus, "CPUs to use (0-3, 0,1)");
  cmd->add_option("--cpuset-mems", a->cpuset_mems, "memory nodes to use");
  cmd->add_option("--pids-limit", a->pids_limit, "maximum number of tasks");
  cmd->add_option("--blkio-weight", a->blkio_weight, "block I/O weight (10..1000)");
  cmd->add_option("--l3-cache-schema", a->l3_cache_schema, "refused: no Intel RDT");
  cmd->add_option("--mem-bw-schema", a->mem_bw_schema, "refused: no Intel RDT");
  cmd->callback([&g, action, a] {
    *action = [&g, a] {
      auto r = Build(*a);
      if (!r) return ReportError(r.error());
      auto st = runtime::Update(g.Options(), a->id, *r);
      return st ? 0 : ReportError(st.error());
    };
  });
}

}  // namespace berth::cli
