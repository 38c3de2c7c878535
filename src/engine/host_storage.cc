#include "engine/host_storage.h"

namespace berth::engine {

Result<StorageOptions> ParseStorage(const nlohmann::json&) { return StorageOptions{}; }

void StorageToJson(const StorageOptions&, nlohmann::json*) {}

}  // namespace berth::engine
