#include "engine/host_resources.h"

namespace berth::engine {

Result<Resources> ParseResources(const nlohmann::json&) { return Resources{}; }

void ResourcesToJson(const Resources&, nlohmann::json*) {}

Status ApplyResources(const Resources&, spec::Config*) { return Ok(); }

}  // namespace berth::engine
