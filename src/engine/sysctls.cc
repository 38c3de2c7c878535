#include "engine/sysctls.h"

namespace berth::engine {

Status CheckSysctl(const std::string& key, const std::string& value, SysctlNamespaces ns) {
  // A key is a dotted name; "/" or ".." would walk elsewhere in /proc/sys.
  if (key.empty() || key.find('/') != std::string::npos || key.find("..") != std::string::npos ||
      key.front() == '.' || key.back() == '.')
    return FailAs(EINVAL, "invalid sysctl \"{}\": not a sysctl name", key);
  if (value.find('\n') != std::string::npos)
    return FailAs(EINVAL, "invalid sysctl \"{}\": the value has a newline", key);
  auto in = [&](const char* prefix) { return key.starts_with(prefix); };
  if (in("net.")) {
    if (!ns.own_net)
      return FailAs(EINVAL,
                    "sysctl \"{}\" is not allowed: the container shares a network namespace "
                    "(--network host or container:)",
                    key);
    return Ok();
  }
  if (in("kernel.msg") || in("kernel.sem") || in("kernel.shm") || in("fs.mqueue.")) {
    if (!ns.own_ipc)
      return FailAs(EINVAL,
                    "sysctl \"{}\" is not allowed: the container shares an IPC namespace "
                    "(--ipc host or container:)",
                    key);
    return Ok();
  }
  return FailAs(
      EINVAL,
      "sysctl \"{}\" is not allowed: it is not namespaced (only kernel.msg*, kernel.sem*, "
      "kernel.shm*, fs.mqueue.* and net.* can be set for a container)",
      key);
}

}  // namespace berth::engine
