// /proc/self/mountinfo and /proc/self/cgroup decide where containers'
// cgroups go; inside nested containers their content is not ours to trust.
// Input: mountinfo text, a NUL byte, /proc/self/cgroup text. Properties:
// every planned cgroup dir lies under one of the layout's mount points and
// has no ".." component.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "runtime/cgroup/cgroup.h"

namespace cg = berth::runtime::cgroup;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  size_t nul = in.find('\0');
  std::string mountinfo = in.substr(0, nul);
  std::string self = nul == std::string::npos ? "" : in.substr(nul + 1);
  auto layout = cg::ParseLayout(mountinfo);
  if (!layout) return 0;
  for (const char* path : {"berth-fuzz", "/abs/berth", "a/../../b"}) {
    auto p = cg::PlanPlacement(*layout, path, self);
    if (!p) continue;
    for (const auto& dir : p->dirs) {
      if (dir.find("/../") != std::string::npos || dir.ends_with("/..")) {
        std::fprintf(stderr, "cgroupsPath %s planned to %s\n", path, dir.c_str());
        std::abort();
      }
      bool under = false;
      for (const auto& h : layout->hierarchies)
        under = under || dir == h.mount_point || dir.starts_with(h.mount_point + "/");
      if (!under) {
        std::fprintf(stderr, "cgroupsPath %s planned outside the hierarchies: %s\n", path,
                     dir.c_str());
        std::abort();
      }
    }
  }
  return 0;
}
