// Rootless containers get a cgroup only where one is delegated to their
// user: the parent directory of the container's cgroup must be writable by
// the caller in every hierarchy (on v2 typically a systemd user slice; on
// v1 and hybrid hosts the hierarchies are usually root's alone).
#pragma once

#include <string>

#include "runtime/cgroup/cgroup.h"

namespace berth::runtime::cgroup {

// Empty when the caller may create `p`'s directories; otherwise the first
// parent directory it may not write, to name in messages.
std::string FirstUndelegatedDir(const Placement& p);

}  // namespace berth::runtime::cgroup
