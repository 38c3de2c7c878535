// docker's --sysctl: which kernel parameters a container may set. Only
// namespaced ones, whose value is the container's own and not the host's:
// the IPC ones (kernel.msg*, kernel.sem*, kernel.shm*, fs.mqueue.*) in an
// IPC namespace of the container's own, and net.* in a network namespace
// of its own. Everything else would change the host for everyone and is
// refused when the container is created. Pure functions; thread-safe.
#pragma once

#include <string>

#include "base/error.h"

namespace berth::engine {

// Which namespaces the container gets new (its own) rather than shares.
struct SysctlNamespaces {
  bool own_ipc = true;
  bool own_net = true;
};

// Checks one --sysctl key and value; a one-line error naming the key and
// the cause (EINVAL).
Status CheckSysctl(const std::string& key, const std::string& value, SysctlNamespaces ns);

}  // namespace berth::engine
