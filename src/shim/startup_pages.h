// Gives back the pages the shim touched only to launch its container.
// Creating a container runs much of the runtime library (config parsing,
// planning, cgroups, seccomp), whose code stays mapped in the shim for
// the container's whole life although the serve loop never runs it again.
#pragma once

namespace berth::shim {

// Unmaps from this process the resident pages of the executable's
// read-only segments (code, constants; never RELRO or writable data, which
// hold changed pages) and returns free heap to the kernel. The pages stay
// in the page cache, shared; what the serve loop needs faults back in.
// Safe at any time: read-only file pages reload unchanged. The serve loop
// calls it again whenever it has been idle for a while.
void ReleaseStartupPages();

}  // namespace berth::shim
