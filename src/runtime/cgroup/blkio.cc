// linux.resources.blockIO. v1 (blkio): blkio.weight (or the BFQ scheduler's
// blkio.bfq.weight), blkio.leaf_weight, blkio.weight_device and the four
// blkio.throttle.*_device files, "MAJ:MIN VALUE" per device. v2 (io):
// io.weight (from the v1 range) and io.max "MAJ:MIN rbps=.. wbps=.. riops=.. wiops=..".
#include <unistd.h>

#include "runtime/cgroup/resources.h"

namespace berth::runtime::cgroup {
namespace {

struct Throttle {
  const char* key;      // in linux.resources.blockIO
  const char* v1_file;  // blkio.throttle.*
  const char* v2_name;  // in io.max
};
constexpr Throttle kThrottles[] = {
    {"throttleReadBpsDevice", "blkio.throttle.read_bps_device", "rbps"},
    {"throttleWriteBpsDevice", "blkio.throttle.write_bps_device", "wbps"},
    {"throttleReadIOPSDevice", "blkio.throttle.read_iops_device", "riops"},
    {"throttleWriteIOPSDevice", "blkio.throttle.write_iops_device", "wiops"},
};

// "MAJ:MIN" of one entry, checked to name a real block device.
Result<std::string> DeviceOf(const nlohmann::json& e, const std::string& field) {
  auto major = TRY(OptInt(e, "major", field));
  auto minor = TRY(OptInt(e, "minor", field));
  if (!major || !minor || *major < 0 || *minor < 0)
    return Fail("linux.resources.{}: each entry needs major and minor", field);
  std::string dev = std::to_string(*major) + ":" + std::to_string(*minor);
  if (::access(("/sys/dev/block/" + dev).c_str(), F_OK) != 0)
    return Fail("linux.resources.{}: no block device {} on this host", field, dev);
  return dev;
}

}  // namespace

Status ApplyBlkio(const ResourceDirs& d, const nlohmann::json& b) {
  if (b.is_null()) return Ok();
  auto weight = TRY(OptInt(b, "weight", "blockIO"));
  auto leaf = TRY(OptInt(b, "leafWeight", "blockIO"));
  bool any = (weight && *weight) || (leaf && *leaf);
  for (const char* k : {"weightDevice", "throttleReadBpsDevice", "throttleWriteBpsDevice",
                        "throttleReadIOPSDevice", "throttleWriteIOPSDevice"})
    any = any || (b.contains(k) && b[k].is_array() && !b[k].empty());
  if (!any) return Ok();
  if (d.blkio.empty())
    return Fail("linux.resources.blockIO: this host has no blkio/io cgroup controller");

  if (d.v2) {
    if (weight && *weight != 0)
      TRY(WriteResource(
          d.blkio, "io.weight",
          "default " + std::to_string(BlkioWeightToIoWeight(static_cast<uint64_t>(*weight))),
          "blockIO.weight"));
    if (b.contains("weightDevice"))
      for (const auto& e : b["weightDevice"]) {
        std::string dev = TRY(DeviceOf(e, "blockIO.weightDevice"));
        auto w = TRY(OptInt(e, "weight", "blockIO.weightDevice"));
        if (w)
          TRY(WriteResource(
              d.blkio, "io.weight",
              dev + " " + std::to_string(BlkioWeightToIoWeight(static_cast<uint64_t>(*w))),
              "blockIO.weightDevice"));
      }
    for (const auto& t : kThrottles) {
      if (!b.contains(t.key)) continue;
      for (const auto& e : b[t.key]) {
        std::string field = std::string("blockIO.") + t.key;
        std::string dev = TRY(DeviceOf(e, field));
        auto rate = TRY(OptInt(e, "rate", field));
        if (!rate || *rate < 0) return Fail("linux.resources.{}: rate must be >= 0", field);
        TRY(WriteResource(
            d.blkio, "io.max",
            dev + " " + t.v2_name + "=" + (*rate == 0 ? "max" : std::to_string(*rate)), field));
      }
    }
    return Ok();
  }

  if (weight && *weight != 0) {
    bool plain = ::access((d.blkio + "/blkio.weight").c_str(), F_OK) == 0;
    bool bfq = ::access((d.blkio + "/blkio.bfq.weight").c_str(), F_OK) == 0;
    if (!plain && !bfq)
      return Fail(
          "linux.resources.blockIO.weight: this kernel's I/O schedulers offer no cgroup "
          "weights (neither blkio.weight nor blkio.bfq.weight exists)");
    TRY(WriteResource(d.blkio, plain ? "blkio.weight" : "blkio.bfq.weight", std::to_string(*weight),
                      "blockIO.weight"));
  }
  if (leaf && *leaf != 0)
    TRY(WriteResource(d.blkio, "blkio.leaf_weight", std::to_string(*leaf), "blockIO.leafWeight"));
  if (b.contains("weightDevice"))
    for (const auto& e : b["weightDevice"]) {
      std::string dev = TRY(DeviceOf(e, "blockIO.weightDevice"));
      auto w = TRY(OptInt(e, "weight", "blockIO.weightDevice"));
      bool plain = ::access((d.blkio + "/blkio.weight_device").c_str(), F_OK) == 0;
      if (w)
        TRY(WriteResource(d.blkio, plain ? "blkio.weight_device" : "blkio.bfq.weight_device",
                          dev + " " + std::to_string(*w), "blockIO.weightDevice"));
    }
  for (const auto& t : kThrottles) {
    if (!b.contains(t.key)) continue;
    for (const auto& e : b[t.key]) {
      std::string field = std::string("blockIO.") + t.key;
      std::string dev = TRY(DeviceOf(e, field));
      auto rate = TRY(OptInt(e, "rate", field));
      if (!rate || *rate < 0) return Fail("linux.resources.{}: rate must be >= 0", field);
      TRY(WriteResource(d.blkio, t.v1_file, dev + " " + std::to_string(*rate), field));
    }
  }
  return Ok();
}

}  // namespace berth::runtime::cgroup
