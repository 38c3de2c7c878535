// config.json is the runtime's main untrusted input (any caller's bundle).
// Property: whatever ParseConfig accepts, ConfigToJson writes back as a
// document ParseConfig accepts again, with the same serialization.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "spec/runtime_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto cfg = berth::spec::ParseConfig(text);
  if (!cfg) {
    if (cfg.error().What().empty()) std::abort();  // every refusal says why
    return 0;
  }
  auto once = berth::spec::ConfigToJson(*cfg);
  auto again = berth::spec::ConfigFromJson(once);
  if (!again) std::abort();
  if (berth::spec::ConfigToJson(*again) != once) std::abort();
  return 0;
}
