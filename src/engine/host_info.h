// What /info and /version report about the host berthd runs on: kernel,
// CPUs, memory, OS name, cgroup layout. Read once per call from the kernel
// (uname, sysinfo, /etc/os-release, /sys/fs/cgroup); nothing cached.
#pragma once

#include <cstdint>
#include <string>

namespace berth::engine {

struct HostInfo {
  std::string hostname;
  std::string kernel_version;    // uname -r
  std::string operating_system;  // os-release PRETTY_NAME
  std::string os_version;        // os-release VERSION_ID
  std::string architecture;      // uname -m ("x86_64", as docker reports it)
  int ncpu = 0;
  int64_t mem_total = 0;       // bytes
  std::string cgroup_version;  // "1" (v1 or hybrid) or "2" (unified)
};

HostInfo ReadHostInfo();

}  // namespace berth::engine
