// The loop docker's CLI runs for commands that take several containers
// (stop, kill, rm, pause, ...): each is tried in turn; what succeeded is
// printed to stdout as it goes, and the errors are printed together at the
// end ("Error response from daemon: ..." one a line), exit 1 if any.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "cli/client/commands.h"

namespace berth::cli {

// `call` makes the request for one container. A 2xx answer prints the
// container as the user named it (or what `output` returns, when given).
int ForEachContainer(ClientOptions& o, const std::vector<std::string>& names,
                     const std::function<Result<ApiResponse>(ApiClient&, const std::string&)>& call,
                     const std::function<std::string(const std::string& name, const ApiResponse&)>&
                         output = nullptr);

// "/containers/NAME" with the name %-encoded.
std::string ContainerPath(const std::string& name);

}  // namespace berth::cli
