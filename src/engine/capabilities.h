// Docker's --cap-add / --cap-drop / --privileged, computed into the one
// list of capabilities a container's process gets (bounding, effective
// and permitted alike).
//
// Names are taken as docker takes them: any case, with or without the
// CAP_ prefix, and "ALL". "All capabilities" is this host's bounding set
// (what berthd itself may still grant), not every name the kernel knows:
// a capability the host dropped from the bounding set can be granted to
// no process, and docker 20.10 fails --privileged on such hosts.
// Pure functions apart from HostBoundingCapabilities; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace berth::engine {

// "sys_admin" -> "CAP_SYS_ADMIN", "all" -> "ALL". Unknown names: docker's
// `unknown capability: "CAP_FOO"`.
Result<std::string> NormalizeCapability(std::string_view name);

// The names of the bits set in a capability mask ("CapBnd" of
// /proc/PID/status), in bit order; bits beyond the names berth knows are
// left out.
std::vector<std::string> CapabilityNames(uint64_t mask);

// berthd's own bounding set, from /proc/self/status.
Result<std::vector<std::string>> HostBoundingCapabilities();

// Docker's rules (its TweakCapabilities), over normalized names:
// privileged gets `all`; "ALL" in `add` gets `all` less what `drop` names;
// "ALL" in `drop` gets `add` alone; otherwise `defaults` less `drop`,
// then `add`. No name twice; order kept.
std::vector<std::string> EffectiveCapabilities(const std::vector<std::string>& defaults,
                                               const std::vector<std::string>& all,
                                               const std::vector<std::string>& add,
                                               const std::vector<std::string>& drop,
                                               bool privileged);

}  // namespace berth::engine
