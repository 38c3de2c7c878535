// linux.resources.hugepageLimits: hugetlb.<size>.limit_in_bytes on v1,
// hugetlb.<size>.max on v2 (a hybrid host may run hugetlb on either side).
#include <unistd.h>

#include "runtime/cgroup/resources.h"

namespace berth::runtime::cgroup {

Status ApplyHugetlb(const ResourceDirs& d, const nlohmann::json& limits) {
  if (!limits.is_array() || limits.empty()) return Ok();
  if (d.hugetlb.empty())
    return Fail("linux.resources.hugepageLimits: this host has no hugetlb cgroup controller");
  for (const auto& e : limits) {
    if (!e.is_object() || !e.contains("pageSize") || !e["pageSize"].is_string())
      return Fail("linux.resources.hugepageLimits: each entry needs a pageSize string");
    std::string size = e["pageSize"].get<std::string>();
    auto limit = TRY(OptInt(e, "limit", "hugepageLimits"));
    if (!limit || *limit < 0)
      return Fail("linux.resources.hugepageLimits[{}]: limit must be >= 0", size);
    if (size.find('/') != std::string::npos || size.find("..") != std::string::npos)
      return Fail("linux.resources.hugepageLimits: invalid pageSize {:?}", size);
    bool v2 = d.v2 || ::access((d.hugetlb + "/hugetlb." + size + ".max").c_str(), F_OK) == 0;
    std::string file = "hugetlb." + size + (v2 ? ".max" : ".limit_in_bytes");
    if (::access((d.hugetlb + "/" + file).c_str(), F_OK) != 0)
      return Fail("linux.resources.hugepageLimits: page size {:?} is not supported here", size);
    TRY(WriteResource(d.hugetlb, file.c_str(), std::to_string(*limit), "hugepageLimits"));
  }
  return Ok();
}

}  // namespace berth::runtime::cgroup
