// The last steps of the container's init before exec: who the process is
// (uids, gids, capabilities) and what it may do (rlimits, no_new_privs,
// scheduling, personality). All run in the child and do not allocate;
// each returns 0 or -1 with errno and a message in err.
#pragma once

#include <cstddef>

#include "runtime/init_plan.h"

namespace berth::runtime {

int ApplyRlimits(const InitPlan& p, char* err, size_t n);
// Drops the bounding set, switches uid/gids keeping caps, then sets the
// effective, permitted, inheritable and ambient sets.
int ApplyUserAndCaps(const InitPlan& p, char* err, size_t n);
int ApplySchedAndPersonality(const InitPlan& p, char* err, size_t n);
// Finds argv[0] with the container's PATH, as execvp would, into out.
int ResolveExecutable(const InitPlan& p, char* out, size_t out_len, char* err, size_t n);

}  // namespace berth::runtime
