#include "engine/host_security.h"

#include "spec/json_reader.h"

namespace berth::engine {

Result<SecurityOptions> ParseSecurity(const nlohmann::json& j) {
  SecurityOptions s;
  TRY(spec::ReadField(j, "Privileged", "HostConfig", &s.privileged));
  if (s.privileged) return Fail("privileged containers are not supported by berth yet");
  return s;
}

void SecurityToJson(const SecurityOptions& s, nlohmann::json* j) {
  (*j)["Privileged"] = s.privileged;
}

Status ApplySecurity(const SecurityOptions&, spec::Config*) { return Ok(); }

}  // namespace berth::engine
