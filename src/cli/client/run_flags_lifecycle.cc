#include "cli/client/run_flags_lifecycle.h"

namespace berth::cli {

void AddLifecycleFlags(CLI::App*, LifecycleFlags*) {}

Status AddLifecycleBody(const LifecycleFlags&, nlohmann::json*, nlohmann::json*) { return Ok(); }

}  // namespace berth::cli
