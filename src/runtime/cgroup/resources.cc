#include "runtime/cgroup/resources.h"

#include <unistd.h>

#include <algorithm>

#include "base/fs.h"

namespace berth::runtime::cgroup {

ResourceDirs ResourceDirsOf(const Placement& p, const Layout& layout) {
  ResourceDirs d;
  std::string v2dir;
  for (const auto& h : layout.hierarchies) {
    std::string prefix = h.mount_point + "/";
    for (const auto& dir : p.dirs) {
      if (!dir.starts_with(prefix)) continue;
      if (h.v2) v2dir = dir;
      for (const auto& c : h.controllers) {
        if (c == "memory") d.memory = dir;
        if (c == "cpu") d.cpu = dir;
        if (c == "cpuset") d.cpuset = dir;
        if (c == "blkio") d.blkio = dir;
        if (c == "hugetlb") d.hugetlb = dir;
        if (c == "net_cls") d.net_cls = dir;
        if (c == "net_prio") d.net_prio = dir;
        if (c == "rdma") d.rdma = dir;
        if (c == "pids") d.pids = dir;
      }
      break;
    }
  }
  if (layout.mode == Mode::kV2 && !p.dirs.empty()) {
    // One tree: every controller's files sit in the container's directory
    // (those the parent does not enable are simply absent).
    std::string dir = v2dir.empty() ? p.dirs.front() : v2dir;
    d.v2 = true;
    d.memory = d.cpu = d.cpuset = d.blkio = d.hugetlb = d.rdma = d.pids = d.unified = dir;
  } else if (!v2dir.empty()) {
    d.unified = v2dir;  // hybrid: `unified` keys go to the v2 tree
    // A controller a hybrid host runs on v2 (here: hugetlb) has no v1 dir.
    if (d.hugetlb.empty() && ::access((v2dir + "/hugetlb.2MB.max").c_str(), F_OK) == 0)
      d.hugetlb = v2dir;
  }
  return d;
}

Status WriteResource(const std::string& dir, const char* file, const std::string& value,
                     const std::string& field) {
  if (dir.empty())
    return Fail("linux.resources.{}: this host has no cgroup controller for it", field);
  TRY_CTX(WriteExisting(dir + "/" + file, value), "linux.resources.{}", field);
  return Ok();
}

Result<std::optional<int64_t>> OptInt(const nlohmann::json& obj, const char* key,
                                      const std::string& field) {
  if (!obj.is_object() || !obj.contains(key) || obj[key].is_null()) return std::optional<int64_t>();
  const auto& v = obj[key];
  if (v.is_number_unsigned()) {
    if (v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
      return Fail("linux.resources.{}.{}: {} is out of range", field, key, v.dump());
    return std::optional<int64_t>(static_cast<int64_t>(v.get<uint64_t>()));
  }
  if (!v.is_number_integer())
    return Fail("linux.resources.{}.{}: must be an integer, got {}", field, key, v.dump());
  return std::optional<int64_t>(v.get<int64_t>());
}

uint64_t CpuSharesToWeight(uint64_t shares) {
  if (shares == 0) return 0;
  if (shares < 2) shares = 2;
  if (shares > 262144) shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t BlkioWeightToIoWeight(uint64_t weight) {
  if (weight == 0) return 0;
  if (weight < 10) weight = 10;
  if (weight > 1000) weight = 1000;
  return 1 + (weight - 10) * 9999 / 990;
}

Result<std::string> SwapMaxV2(int64_t memory, int64_t memory_plus_swap) {
  if (memory_plus_swap == -1) return std::string("max");
  if (memory <= 0)
    return Fail("linux.resources.memory.swap: needs memory.limit to be set on cgroup v2");
  if (memory_plus_swap < memory)
    return Fail(
        "linux.resources.memory.swap: {} is below memory.limit {} (swap counts memory "
        "plus swap)",
        memory_plus_swap, memory);
  return std::to_string(memory_plus_swap - memory);
}

Status ValidateResources(const nlohmann::json& r) {
  if (r.is_null()) return Ok();
  if (!r.is_object()) return Fail("linux.resources: must be an object");
  for (const auto& [key, value] : r.items()) {
    if (key == "devices") continue;
    if (key == "hugepageLimits") {
      if (!value.is_array()) return Fail("linux.resources.hugepageLimits: must be an array");
      continue;
    }
    if (!value.is_null() && !value.is_object())
      return Fail("linux.resources.{}: must be an object", key);
    static const char* const kKnown[] = {"memory",  "cpu",  "pids",   "blockIO",
                                         "network", "rdma", "unified"};
    if (std::find(std::begin(kKnown), std::end(kKnown), key) == std::end(kKnown))
      return Fail("linux.resources.{}: unknown resource", key);
  }
  // Numbers that must not be negative (-1 means "unlimited" where allowed).
  auto nonneg = [&](const char* group, const char* key, bool minus_one_ok) -> Status {
    if (!r.contains(group)) return Ok();
    auto v = TRY(OptInt(r[group], key, group));
    if (v && *v < 0 && !(minus_one_ok && *v == -1))
      return Fail("linux.resources.{}.{}: {} is negative", group, key, *v);
    return Ok();
  };
  TRY(nonneg("memory", "limit", true));
  TRY(nonneg("memory", "reservation", true));
  TRY(nonneg("memory", "swap", true));
  TRY(nonneg("memory", "kernel", true));
  TRY(nonneg("memory", "kernelTCP", true));
  TRY(nonneg("memory", "swappiness", false));
  TRY(nonneg("cpu", "shares", false));
  TRY(nonneg("cpu", "period", false));
  TRY(nonneg("cpu", "burst", false));
  TRY(nonneg("cpu", "realtimePeriod", false));
  TRY(nonneg("blockIO", "weight", false));
  TRY(nonneg("blockIO", "leafWeight", false));
  if (r.contains("memory")) {
    auto limit = TRY(OptInt(r["memory"], "limit", "memory"));
    auto swap = TRY(OptInt(r["memory"], "swap", "memory"));
    if (limit && swap && *limit > 0 && *swap > 0 && *swap < *limit)
      return Fail(
          "linux.resources.memory.swap: {} is below memory.limit {} (swap is the limit "
          "for memory plus swap)",
          *swap, *limit);
    auto sw = TRY(OptInt(r["memory"], "swappiness", "memory"));
    if (sw && *sw > 100) return Fail("linux.resources.memory.swappiness: {} is above 100", *sw);
  }
  if (r.contains("blockIO")) {
    auto w = TRY(OptInt(r["blockIO"], "weight", "blockIO"));
    if (w && *w != 0 && (*w < 10 || *w > 1000))
      return Fail("linux.resources.blockIO.weight: {} is outside 10..1000", *w);
  }
  return Ok();
}

Status ApplyResources(const ResourceDirs& d, const nlohmann::json& r) {
  if (!r.is_object()) return Ok();
  TRY(ValidateResources(r));
  if (r.contains("memory")) TRY(ApplyMemory(d, r["memory"]));
  if (r.contains("cpu")) TRY(ApplyCpu(d, r["cpu"]));
  if (r.contains("pids")) {
    auto limit = TRY(OptInt(r["pids"], "limit", "pids"));
    if (limit && *limit != 0)
      TRY(WriteResource(d.pids, "pids.max", *limit < 0 ? "max" : std::to_string(*limit),
                        "pids.limit"));
  }
  if (r.contains("blockIO")) TRY(ApplyBlkio(d, r["blockIO"]));
  if (r.contains("hugepageLimits")) TRY(ApplyHugetlb(d, r["hugepageLimits"]));
  if (r.contains("network")) TRY(ApplyNetwork(d, r["network"]));
  if (r.contains("rdma")) TRY(ApplyRdma(d, r["rdma"]));
  if (r.contains("unified")) TRY(ApplyUnified(d, r["unified"]));
  return Ok();
}

}  // namespace berth::runtime::cgroup
