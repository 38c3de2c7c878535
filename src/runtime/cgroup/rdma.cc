// linux.resources.rdma: rdma.max lines "DEVICE hca_handle=N hca_object=N",
// the same file on v1 and v2.
#include "runtime/cgroup/resources.h"

namespace berth::runtime::cgroup {

Status ApplyRdma(const ResourceDirs& d, const nlohmann::json& r) {
  if (!r.is_object() || r.empty()) return Ok();
  for (const auto& [dev, lim] : r.items()) {
    auto handles = TRY(OptInt(lim, "hcaHandles", "rdma"));
    auto objects = TRY(OptInt(lim, "hcaObjects", "rdma"));
    std::string line = dev;
    if (handles) line += " hca_handle=" + std::to_string(*handles);
    if (objects) line += " hca_object=" + std::to_string(*objects);
    if (line == dev) continue;
    TRY(WriteResource(d.rdma, "rdma.max", line, "rdma." + dev));
  }
  return Ok();
}

}  // namespace berth::runtime::cgroup
