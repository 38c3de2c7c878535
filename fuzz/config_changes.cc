// docker's --change lines arrive from any API client (import's and commit's
// `changes` query values) and are parsed with the Dockerfile's quoting and
// $VAR expansion. One change per input line. Properties: a refusal leaves
// the config untouched and says why on one line; what is accepted is a
// JSON object that serializes; the same changes give the same config.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "image/config_changes.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> changes;
  for (size_t i = 0; i <= text.size();) {
    size_t nl = text.find('\n', i);
    if (nl == std::string_view::npos) nl = text.size();
    changes.emplace_back(text.substr(i, nl - i));
    i = nl + 1;
  }
  using nlohmann::json;
  const json start = {{"Env", {"PATH=/bin", "HOME=/root"}}, {"Cmd", {"sh"}}};
  json config = start;
  auto st = berth::image::ApplyConfigChanges(config, changes);
  if (!st) {
    if (config != start) std::abort();
    std::string what = st.error().What();
    if (what.empty() || what.find('\n') != std::string::npos) std::abort();
    return 0;
  }
  if (!config.is_object()) std::abort();
  (void)config.dump(-1, ' ', false, json::error_handler_t::replace);
  json again = start;
  if (!berth::image::ApplyConfigChanges(again, changes) || again != config) std::abort();
  return 0;
}
