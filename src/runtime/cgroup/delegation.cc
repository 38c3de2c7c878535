#include "runtime/cgroup/delegation.h"

#include <unistd.h>

namespace berth::runtime::cgroup {

std::string FirstUndelegatedDir(const Placement& p) {
  for (const auto& dir : p.dirs) {
    // The nearest existing ancestor is the one mkdir would write into.
    std::string parent = dir;
    while (!parent.empty() && ::access(parent.c_str(), F_OK) != 0)
      parent = parent.substr(0, parent.rfind('/'));
    if (parent.empty()) parent = "/";
    if (::access(parent.c_str(), W_OK | X_OK) != 0) return parent;
  }
  return {};
}

}  // namespace berth::runtime::cgroup
