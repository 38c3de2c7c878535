// The body of POST /containers/create, as berthd parses it, and a user
// spec resolved against passwd and group text (both come from users and
// images). Input: the body; or, after a first byte 'U', "spec\0passwd\0group".
// Properties: no crash; a parsed request's stored form parses back to the
// same stored form.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "engine/container_config.h"
#include "engine/container_user.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (!in.empty() && in[0] == 'U') {
    in.remove_prefix(1);
    size_t a = in.find('\0');
    size_t b = a == std::string_view::npos ? a : in.find('\0', a + 1);
    if (b == std::string_view::npos) return 0;
    (void)berth::engine::ResolveUser(in.substr(0, a), in.substr(a + 1, b - a - 1),
                                     in.substr(b + 1));
    return 0;
  }
  auto req = berth::engine::ParseCreateRequest(in);
  if (!req) return 0;
  nlohmann::json c = berth::engine::ToJson(req->config);
  nlohmann::json h = berth::engine::ToJson(req->host_config);
  auto c2 = berth::engine::ParseContainerConfig(c);
  auto h2 = berth::engine::ParseHostConfig(h);
  if (!c2 || !h2) std::abort();
  if (berth::engine::ToJson(*c2) != c || berth::engine::ToJson(*h2) != h) std::abort();
  return 0;
}
