#include "cli/client/run_flags_storage.h"

namespace berth::cli {

void AddStorageFlags(CLI::App*, StorageFlags*) {}

Status AddStorageBody(const StorageFlags&, nlohmann::json*, nlohmann::json*) { return Ok(); }

}  // namespace berth::cli
