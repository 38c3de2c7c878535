// The logins `berth login` keeps in docker's config.json, handed to the
// daemon the way docker's CLI hands them: an X-Registry-Auth header on each
// pull and push, so that the daemon (berthd or dockerd) uses the client's
// logins rather than only its own.
#pragma once

#include <string>

namespace berth::cli {

// The X-Registry-Auth value for registry `domain` (a reference's domain,
// "docker.io" for the Hub): base64url of docker's JSON
// {"username", "password", "serveraddress"} (or "identitytoken" in place of
// the password) when a login is stored, else of {"serveraddress"} alone,
// which a daemon reads as "no credentials from the client". A config file
// that cannot be read is warned about on stderr, as docker does, and read
// as holding no logins.
std::string RegistryAuthHeader(const std::string& domain);

}  // namespace berth::cli
