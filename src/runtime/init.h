// The container side of create: the code that runs in the cloned child,
// from clone to exec. It never allocates and never returns: on failure it
// reports over the sync socket and exits.
#pragma once

#include "runtime/init_plan.h"

namespace berth::runtime {

// Stage 1: joins and creates the namespaces (waiting for the parent to write
// the user namespace's id maps), then forks the container's init, reports
// its pid and exits. New pid and time namespaces take effect only for
// children, which is why the init is a second process.
[[noreturn]] void Stage1Main(const InitPlan& plan, int sync_fd);

}  // namespace berth::runtime
