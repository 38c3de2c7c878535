#include "cli/client/run_flags_resources.h"

namespace berth::cli {

void AddResourceFlags(CLI::App*, ResourceFlags*) {}

Status AddResourceBody(const ResourceFlags&, nlohmann::json*, nlohmann::json*) { return Ok(); }

}  // namespace berth::cli
