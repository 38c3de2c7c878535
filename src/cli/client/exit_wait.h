// The wait a foreground `run` or `start -a` opens before it starts the
// container (docker's waitExitOrRemoved): POST /containers/{id}/wait on a
// connection of its own, on a thread of its own.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "cli/client/api_client.h"

namespace berth::cli {

struct OpenedWait {
  std::thread thread;  // join for the answer, or detach to give up on it
  std::shared_ptr<Result<ApiResponse>> result;
};

// Returns once the daemon has answered the wait's status line (then it
// has the wait in place: an exit after it is seen), or after 5 s.
// `condition`: "next-exit" or "removed".
OpenedWait OpenWait(ApiClient client, const std::string& id, const std::string& condition);

}  // namespace berth::cli
