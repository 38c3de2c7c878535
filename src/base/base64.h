// Base64 (RFC 4648), as docker's formats carry credentials: config.json's
// "auth" fields and HTTP basic auth use the standard alphabet; the
// X-Registry-Auth header uses the URL-safe one. Pure functions.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"

namespace berth {

// Standard base64, with padding.
std::string Base64Encode(std::string_view data);
// Decodes standard base64; padding optional, whitespace not allowed.
Result<std::string> Base64Decode(std::string_view text);

// URL-safe base64 ('-' and '_' for '+' and '/'), with padding, as Go's
// base64.URLEncoding writes the X-Registry-Auth header.
std::string Base64UrlEncode(std::string_view data);
// Decodes URL-safe base64; padding optional (clients differ).
Result<std::string> Base64UrlDecode(std::string_view text);

}  // namespace berth
