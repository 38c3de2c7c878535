// A registry's 401 response is untrusted: its WWW-Authenticate header
// decides where credentials are sent, and the token server's JSON body is
// parsed before anything about it is known. Base64 is decoded from
// config.json "auth" fields, which other tools write.
// Properties: nothing crashes or throws; every challenge has a non-empty
// lowercase scheme and lowercase parameter names (Param() looks keys up
// lowercased); Base64Encode inverts whatever Base64Decode accepts; a parsed token has an expiry in
// the future.
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/base64.h"
#include "image/registry_auth.h"

namespace {

bool IsLower(std::string_view s) {
  for (unsigned char c : s)
    if (std::isupper(c)) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace image = berth::image;
  std::string_view text(reinterpret_cast<const char*>(data), size);

  auto challenges = image::ParseWwwAuthenticate(text);
  if (challenges) {
    if (challenges->empty()) std::abort();  // empty is documented as an error
    for (const auto& c : *challenges) {
      if (c.scheme.empty() || !IsLower(c.scheme)) std::abort();
      for (const auto& [key, value] : c.params) {
        if (!IsLower(key)) std::abort();
        if (c.Param(key) != value) std::abort();
      }
    }
  } else if (challenges.error().What().empty()) {
    std::abort();
  }

  auto decoded = berth::Base64Decode(text);
  if (decoded) {
    // Not byte-for-byte: padding is optional and the decoder ignores the
    // unused low bits of the last character, so only the decoded bytes
    // must survive a round trip.
    auto redecoded = berth::Base64Decode(berth::Base64Encode(*decoded));
    if (!redecoded || *redecoded != *decoded) std::abort();
  } else if (decoded.error().What().empty()) {
    std::abort();
  }

  auto now = std::chrono::steady_clock::now();
  auto token = image::ParseTokenResponse(text, now);
  if (token) {
    if (token->expires <= now) std::abort();
  } else if (token.error().What().empty()) {
    std::abort();
  }
  return 0;
}
