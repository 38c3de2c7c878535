// linux.seccomp: compiled to a BPF program in the parent with libseccomp,
// loaded in the child just before exec. Loading allocates nothing.
#pragma once

#include <linux/filter.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"

namespace berth::runtime {

struct SeccompProgram {
  std::vector<sock_filter> filter;  // empty: no seccomp
  unsigned int flags = 0;           // SECCOMP_FILTER_FLAG_*
  bool notify = false;              // uses SCMP_ACT_NOTIFY (listener fd)
  std::string listener_path;        // linux.seccomp.listenerPath
  std::string listener_metadata;
};

// Compiles a runtime-spec linux.seccomp object (null -> empty program).
// Errors name the field: "linux.seccomp.syscalls[3].action: unknown action".
Result<SeccompProgram> CompileSeccomp(const nlohmann::json& seccomp);

// Installs the filter in the calling thread (child side, no allocation).
// Returns the notify listener fd when prog.notify, 0 otherwise, or -1 with
// errno set.
int LoadSeccomp(const SeccompProgram& prog);

}  // namespace berth::runtime
