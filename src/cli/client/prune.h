// What the prune commands share (container, volume and image prune):
// docker's confirmation prompt and, for the prunes that answer a list of
// names, the POST and docker's summary.
#pragma once

#include <string>
#include <vector>

#include "cli/client/commands.h"

namespace berth::cli {

// Prints "WARNING! This will remove <what>.\nAre you sure you want to
// continue? [y/N] " and reads a line from stdin: true for y or Y.
bool ConfirmPrune(const std::string& what);

// POST `path` with the --filter values (as docker's filters JSON), then
// "Deleted <title>:" and the names the answer lists under `deleted_key`
// (when there are any) and "Total reclaimed space: ...". Returns the exit
// status.
int PostPrune(ClientOptions& o, const std::string& path, const std::vector<std::string>& filters,
              const std::string& deleted_key, const std::string& title);

}  // namespace berth::cli
