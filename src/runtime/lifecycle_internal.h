// Helpers shared by the lifecycle verbs; not part of the runtime's API.
#pragma once

#include <sys/types.h>

#include "base/error.h"
#include "runtime/container_state.h"

namespace berth::runtime {

// SIGKILLs `pid` through a pidfd and waits (up to ~10 s) until it is gone.
void KillAndWait(pid_t pid);

// Signals the container's init through a pidfd that is checked to belong
// to the recorded process, so a recycled pid is never signalled.
Status SignalInit(const ContainerRecord& rec, int sig);

// Removes what is left of a stopped container: cgroup, poststop hooks,
// record dir.
Status Destroy(const ContainerRecord& rec);

}  // namespace berth::runtime
