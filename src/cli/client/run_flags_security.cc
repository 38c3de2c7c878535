#include "cli/client/run_flags_security.h"

namespace berth::cli {

void AddSecurityFlags(CLI::App*, SecurityFlags*) {}

Status AddSecurityBody(const SecurityFlags&, nlohmann::json*, nlohmann::json*) { return Ok(); }

}  // namespace berth::cli
