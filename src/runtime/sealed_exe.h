// CVE-2019-5736: while the container's init is still the runtime binary
// (between clone and exec), a process in the container can open
// /proc/<init>/exe and, once the runtime exits, write through it to replace
// the host's binary. The defence: run from a view of the binary that can
// never be written. Where the kernel allows, that view is a detached,
// read-only bind mount of the binary itself (no copy, as crun does);
// otherwise (no CAP_SYS_ADMIN, e.g. rootless) a sealed memfd copy.
#pragma once

#include "base/error.h"

namespace berth::runtime {

// Re-executes the current program from a read-only view unless it already
// runs from one. Returns only if nothing needed doing, or with an error.
Status EnsureSealedSelf(char** argv, char** envp);

// True if /proc/self/exe cannot be opened for writing by anyone: it lives
// on a read-only mount or is a sealed memfd.
bool SelfIsSealed();

}  // namespace berth::runtime
