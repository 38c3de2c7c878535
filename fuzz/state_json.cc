// The OCI state JSON: read back from state files and from other tools.
// Property: an accepted state serializes and parses to the same document.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "spec/runtime_state.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return 0;
  auto st = berth::spec::StateFromJson(doc);
  if (!st) return 0;
  auto once = berth::spec::StateToJson(*st);
  auto again = berth::spec::StateFromJson(once);
  if (!again || berth::spec::StateToJson(*again) != once) std::abort();
  return 0;
}
