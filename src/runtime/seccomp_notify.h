// Seccomp user notification (SCMP_ACT_NOTIFY): the container's init loads
// a filter that returns a listener fd, and the runtime passes that fd to
// the agent at linux.seccomp.listenerPath, as runc does. The runtime-spec's
// "container process state" goes with it: one message on a unix socket,
// {"ociVersion", "fds": ["seccompFd"], "pid", "metadata", "state"}, with
// the fd attached (SCM_RIGHTS).
//
// The hand-over inside berth: create binds <state dir>/seccomp.sock and the
// init inherits it; after loading the filter (once `start` let it go on),
// the init sends the fd over the one connection `start` makes.
#pragma once

#include <string>

#include "base/error.h"
#include "base/unique_fd.h"
#include "runtime/container_state.h"

namespace berth::runtime {

// A listening unix socket at `path` (0600, close-on-exec).
Result<UniqueFd> ListenUnix(const std::string& path);

// Takes the listener fd from the init of `rec` and sends it, with
// `state_json`, to `listener_path`, tagging it with `metadata`.
Status ForwardSeccompListener(const ContainerRecord& rec, const std::string& listener_path,
                              const std::string& metadata, const nlohmann::json& state);

}  // namespace berth::runtime
