// The freezer: stopping every process of a container's cgroup in place
// (`pause`) and letting them go on (`resume`). cgroup v1 has a freezer
// controller (freezer.state THAWED/FREEZING/FROZEN); cgroup v2 has
// cgroup.freeze in every cgroup, with "frozen 1" in cgroup.events once the
// kernel has really stopped every task. On a hybrid host the v1 freezer is
// used, as runc does. Nothing is recorded: the kernel's files are the state.
#pragma once

#include <string>

#include "base/error.h"
#include "runtime/cgroup/cgroup.h"

namespace berth::runtime::cgroup {

// Freezes the container's cgroup and returns only once the kernel reports
// every task frozen (v1 freezer.state reads FROZEN, v2 cgroup.events reads
// "frozen 1"), waiting up to about 10 s. On failure the cgroup is thawed
// again, so a failed pause leaves the container running.
// Errors: no freezer for this placement; the write failing; the timeout.
Status Freeze(const Placement& p);

// Thaws the container's cgroup; a thawed one stays thawed.
Status Thaw(const Placement& p);

// Whether the container's cgroup is frozen by its own freezer (not merely
// because an ancestor is), as the kernel's files say now. False when there
// is no freezer or its files cannot be read.
bool IsFrozen(const Placement& p);

// Pure parts, for tests: the value of the "frozen" key in a v2
// cgroup.events text (-1 when absent).
int FrozenKey(const std::string& cgroup_events);

}  // namespace berth::runtime::cgroup
