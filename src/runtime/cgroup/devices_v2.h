// The cgroup v2 device controller: v2 has no devices.allow file; a
// BPF_PROG_TYPE_CGROUP_DEVICE program attached to the container's cgroup
// decides every open and mknod of a device node instead. berth compiles
// linux.resources.devices (plus the default allowlist, as on v1) into such a
// program and attaches it.
//
// Semantics are v1's, as runc emulates them: rules apply in order and, for
// each access bit (r, w, m) a request asks for, the last rule that names the
// device and that bit decides; a request is allowed only if every bit it asks
// for is. A device no rule names is denied (configs start with "deny a").
#pragma once

#include <linux/bpf.h>

#include <string>
#include <vector>

#include "base/error.h"
#include "spec/runtime_spec.h"

namespace berth::runtime::cgroup {

// The program for `rules` (already including the defaults). Pure: no
// syscalls, so tests can inspect it.
Result<std::vector<bpf_insn>> CompileDeviceProgram(const std::vector<spec::DeviceRule>& rules);

// Loads the program for `rules` and attaches it to the v2 cgroup `dir`
// (BPF_F_ALLOW_MULTI, so programs of parent cgroups still apply too). The
// cgroup holds the program from then on; it goes away with the cgroup.
Status ApplyDeviceRulesV2(const std::string& dir, const std::vector<spec::DeviceRule>& rules);

}  // namespace berth::runtime::cgroup
