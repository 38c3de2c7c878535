// Registry authentication: the pieces of the Docker token protocol and HTTP
// basic auth that need no network.
//
// A registry answers an unauthenticated request with 401 and a
// WWW-Authenticate header naming a scheme:
//   Bearer realm="https://auth.docker.io/token",service="registry.docker.io",
//          scope="repository:library/busybox:pull"
//   Basic realm="Registry Realm"
// For Bearer the client asks the realm for a token
// (GET realm?service=...&scope=...), sending basic credentials when it has
// them, and retries with "Authorization: Bearer <token>". For Basic it
// retries with "Authorization: Basic base64(user:pass)".
//
// Everything here is pure and thread-compatible; the fetching of tokens is
// RegistryClient's (it owns the HTTP transport and the token cache).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "spec/docker_config.h"

namespace berth::image {

// A user's credentials for one registry: the type of docker's config.json
// (spec/docker_config.h), which the `berth` client shares and so cannot
// live in image.
using Credentials = spec::Credentials;

// One challenge of a WWW-Authenticate header (RFC 7235).
struct AuthChallenge {
  std::string scheme;                         // lowercased: "bearer", "basic"
  std::map<std::string, std::string> params;  // keys lowercased, values unquoted
  // The value of `key` (lowercase), or "" when absent.
  std::string Param(const std::string& key) const;
};

// Parses a WWW-Authenticate header value, which may carry several
// challenges ("Basic realm=\"a\", Bearer realm=\"b\",service=\"c\"").
// Quoted values may contain commas, spaces and backslash escapes. Header
// values that arrive as separate header lines are parsed one at a time and
// concatenated by the caller. An empty or unparseable value is an error.
Result<std::vector<AuthChallenge>> ParseWwwAuthenticate(std::string_view header);

// "Basic base64(user:pass)"
std::string BasicAuthorization(const Credentials& c);

// A token from a token server's JSON response.
struct BearerToken {
  std::string token;
  std::chrono::steady_clock::time_point expires;
};

// Parses a token server's response body: {"token": "...", "expires_in": 300}
// ("access_token" is accepted where "token" is absent, as OAuth2 servers
// send it). expires_in defaults to 60 seconds, the spec's minimum; the
// token is treated as expiring 10% early so a request never races its
// expiry. `now` is injected for tests.
Result<BearerToken> ParseTokenResponse(std::string_view body,
                                       std::chrono::steady_clock::time_point now);

// The scope string a pull (or push) of `repo` needs: "repository:<repo>:pull"
// or "repository:<repo>:pull,push".
std::string RepositoryScope(std::string_view repo, bool push);

}  // namespace berth::image
