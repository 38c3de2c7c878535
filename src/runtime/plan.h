// Turning a validated config into an InitPlan: every decision the
// container's init would otherwise have to make (and allocate for) is made
// here, in the parent, where errors can be rich.
#pragma once

#include <memory>
#include <string>

#include "base/error.h"
#include "base/unique_fd.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/init_plan.h"
#include "runtime/runtime.h"
#include "runtime/seccomp.h"
#include "spec/runtime_spec.h"

namespace berth::runtime {

// An InitPlan plus the fds it borrows. Not movable once built: the plan's
// argv/envp arrays point into its own strings.
struct PlannedInit {
  InitPlan plan;
  std::vector<UniqueFd> owned_fds;  // namespace fds, console socket
  std::vector<std::string> args_storage, env_storage;
  std::vector<spec::Rlimit> rlimits;
};

// Refuses what the config asks for that this runtime does not do yet,
// rather than silently ignoring it. `host_v2` tells whether device rules
// would need the (not yet implemented) eBPF device controller.
Status CheckSupported(const spec::Config& cfg);

// `layout` and `cg` (both may be null: no cgroup) say where the container's
// cgroup lives, for mounts of type "cgroup".
Result<std::unique_ptr<PlannedInit>> BuildPlan(const spec::Config& cfg, const CreateOptions& o,
                                               const std::string& bundle,
                                               const cgroup::Layout* layout,
                                               const cgroup::Placement* cg);

// A "cgroup" mount as the container should see it: on v2 one cgroup2
// mount; on v1 and hybrid hosts a tmpfs with one mount per hierarchy (as
// runc lays it out). With a cgroup namespace each is a fresh cgroupfs
// (showing the namespace's root); without, a bind of the container's own
// cgroup dir, so the host's tree stays hidden.
std::vector<MountStep> ExpandCgroupMount(const MountStep& m, const cgroup::Layout& layout,
                                         const cgroup::Placement& cg, bool cgroupns);

// "net.ipv4.ip_forward" -> "sys/net/ipv4/ip_forward", after checking that
// the sysctl belongs to a namespace the container has of its own.
Result<std::string> SysctlPath(const std::string& key, int new_namespaces);

// The CLONE_NEW* flag for a runtime-spec namespace type.
Result<int> NamespaceFlag(const std::string& type);

}  // namespace berth::runtime
