// The default seccomp profile (profiles/seccomp-default.json, compiled into
// the binary) and its translation into a runtime-spec linux.seccomp object
// for one container.
//
// The profile's format is docker's: syscall groups may carry "includes" and
// "excludes" conditions on the container's capabilities, the architecture
// and the kernel version. Translation keeps the groups whose conditions
// hold and drops the conditions, so the runtime sees a plain runtime-spec
// profile; a container granted CAP_SYS_ADMIN thus gets mount and unshare,
// one without it does not. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"

namespace berth::engine {

// The text of profiles/seccomp-default.json as built in.
std::string_view DefaultSeccompProfileText();

struct SeccompTarget {
  std::vector<std::string> capabilities;   // the bounding set, "CAP_CHOWN", ...
  std::string arch;                        // SCMP_ARCH_* of the host
  int kernel_major = 0, kernel_minor = 0;  // the running kernel
};

// The SCMP_ARCH_* name of the machine `uname -m` reports ("x86_64" ->
// "SCMP_ARCH_X86_64"); empty when berth does not know it.
std::string ScmpArchOf(std::string_view machine);
// The target for this host: its architecture and kernel, with `caps`.
SeccompTarget HostSeccompTarget(std::vector<std::string> caps);

// linux.seccomp for `target` from a docker-format `profile`. Errors name
// the field of the profile.
Result<nlohmann::json> TranslateSeccompProfile(const nlohmann::json& profile,
                                               const SeccompTarget& target);
// The same for the built-in default profile.
Result<nlohmann::json> DefaultSeccomp(const SeccompTarget& target);

}  // namespace berth::engine
