// linux.resources.memory. v1: memory.limit_in_bytes, memory.memsw.limit_in_bytes
// (memory plus swap), memory.soft_limit_in_bytes, memory.swappiness,
// memory.oom_control, memory.kmem.tcp.limit_in_bytes. v2: memory.max,
// memory.swap.max (swap alone), memory.low.
#include <unistd.h>

#include <cstdlib>

#include "base/fs.h"
#include "base/log.h"
#include "runtime/cgroup/resources.h"

namespace berth::runtime::cgroup {
namespace {

std::string Bytes(int64_t v) { return v == -1 ? "max" : std::to_string(v); }
std::string BytesV1(int64_t v) { return std::to_string(v); }  // v1 takes -1 itself

// The v1 limits must stay ordered (memory <= memory+swap) after every
// single write, so which goes first depends on whether they grow.
Status ApplyV1Limits(const std::string& dir, std::optional<int64_t> limit,
                     std::optional<int64_t> swap) {
  if (swap && *swap != 0) {
    bool has_memsw = ::access((dir + "/memory.memsw.limit_in_bytes").c_str(), F_OK) == 0;
    if (!has_memsw)
      return Fail(
          "linux.resources.memory.swap: this kernel does not account swap "
          "(no memory.memsw.limit_in_bytes)");
    int64_t cur = -1;
    if (auto text = ReadFile(dir + "/memory.memsw.limit_in_bytes"))
      cur = std::strtoll(text->c_str(), nullptr, 10);
    bool swap_first = *swap == -1 || (cur != -1 && *swap > cur);
    if (swap_first)
      TRY(WriteResource(dir, "memory.memsw.limit_in_bytes", BytesV1(*swap), "memory.swap"));
    if (limit && *limit != 0)
      TRY(WriteResource(dir, "memory.limit_in_bytes", BytesV1(*limit), "memory.limit"));
    if (!swap_first)
      TRY(WriteResource(dir, "memory.memsw.limit_in_bytes", BytesV1(*swap), "memory.swap"));
    return Ok();
  }
  if (limit && *limit != 0) {
    // As runc: without a swap setting, memory+swap follows the limit, so
    // the container cannot swap past it. Raising both means memsw first.
    bool has_memsw = ::access((dir + "/memory.memsw.limit_in_bytes").c_str(), F_OK) == 0;
    int64_t cur = -1;
    if (has_memsw)
      if (auto text = ReadFile(dir + "/memory.memsw.limit_in_bytes"))
        cur = std::strtoll(text->c_str(), nullptr, 10);
    bool memsw_first = has_memsw && (*limit == -1 || *limit > cur);
    if (memsw_first)
      TRY(WriteResource(dir, "memory.memsw.limit_in_bytes", BytesV1(*limit), "memory.swap"));
    TRY(WriteResource(dir, "memory.limit_in_bytes", BytesV1(*limit), "memory.limit"));
    if (has_memsw && !memsw_first)
      TRY(WriteResource(dir, "memory.memsw.limit_in_bytes", BytesV1(*limit), "memory.swap"));
  }
  return Ok();
}

}  // namespace

Status ApplyMemory(const ResourceDirs& d, const nlohmann::json& m) {
  if (m.is_null()) return Ok();
  auto limit = TRY(OptInt(m, "limit", "memory"));
  auto swap = TRY(OptInt(m, "swap", "memory"));
  auto reservation = TRY(OptInt(m, "reservation", "memory"));
  auto swappiness = TRY(OptInt(m, "swappiness", "memory"));
  auto kernel = TRY(OptInt(m, "kernel", "memory"));
  auto kernel_tcp = TRY(OptInt(m, "kernelTCP", "memory"));
  bool disable_oom = m.contains("disableOOMKiller") && m["disableOOMKiller"].is_boolean() &&
                     m["disableOOMKiller"].get<bool>();
  bool any = (limit && *limit) || (swap && *swap) || (reservation && *reservation) || swappiness ||
             (kernel && *kernel) || (kernel_tcp && *kernel_tcp) || disable_oom;
  if (!any) return Ok();
  if (d.memory.empty())
    return Fail("linux.resources.memory: this host has no memory cgroup controller");
  // Deprecated by the runtime-spec and gone from Linux 6.1: ignored with a
  // warning, as runc 1.1 ignores it.
  if (kernel && *kernel != 0)
    log::Warn("linux.resources.memory.kernel: kernel memory limits are not supported by this "
              "kernel; ignored");

  if (d.v2) {
    if (limit && *limit != 0)
      TRY(WriteResource(d.memory, "memory.max", Bytes(*limit), "memory.limit"));
    if (swap && *swap != 0) {
      auto v = TRY(SwapMaxV2(limit.value_or(0), *swap));
      TRY(WriteResource(d.memory, "memory.swap.max", v, "memory.swap"));
    }
    if (reservation && *reservation != 0)
      TRY(WriteResource(d.memory, "memory.low", Bytes(*reservation), "memory.reservation"));
    if (swappiness)
      return Fail("linux.resources.memory.swappiness: cgroup v2 has no per-cgroup swappiness");
    if (disable_oom)
      return Fail(
          "linux.resources.memory.disableOOMKiller: cgroup v2 cannot disable the OOM "
          "killer");
    if (kernel_tcp && *kernel_tcp != 0)
      return Fail("linux.resources.memory.kernelTCP: cgroup v2 has no separate TCP limit");
    return Ok();
  }

  TRY(ApplyV1Limits(d.memory, limit, swap));
  if (reservation && *reservation != 0)
    TRY(WriteResource(d.memory, "memory.soft_limit_in_bytes", BytesV1(*reservation),
                      "memory.reservation"));
  if (kernel_tcp && *kernel_tcp != 0)
    TRY(WriteResource(d.memory, "memory.kmem.tcp.limit_in_bytes", BytesV1(*kernel_tcp),
                      "memory.kernelTCP"));
  if (swappiness)
    TRY(WriteResource(d.memory, "memory.swappiness", std::to_string(*swappiness),
                      "memory.swappiness"));
  if (disable_oom)
    TRY(WriteResource(d.memory, "memory.oom_control", "1", "memory.disableOOMKiller"));
  return Ok();
}

bool OomKilled(const ResourceDirs& d) {
  if (d.memory.empty()) return false;
  auto text = ReadFile(d.memory + (d.v2 ? "/memory.events" : "/memory.oom_control"));
  if (!text) return false;
  auto at = text->find("oom_kill ");
  return at != std::string::npos && std::strtoll(text->c_str() + at + 9, nullptr, 10) > 0;
}

}  // namespace berth::runtime::cgroup
