// Docker's client config file (~/.docker/config.json): where `docker login`
// keeps registry credentials, so that berth and docker share logins.
//
//   {"auths": {"https://index.docker.io/v1/": {"auth": "base64(user:pass)"},
//              "localhost:5000": {"auth": "..."}}}
//
// Docker Hub's entry is keyed "https://index.docker.io/v1/" (a historical
// URL); other registries by "host[:port]". Older files key entries by URLs
// ("https://host/v2/"); lookups accept those too. Every other field of the
// file (credsStore, credHelpers, proxies, ...) is kept as it is on Save.
// Credential helpers (credsStore/credHelpers) are not run: berth reads and
// writes "auths" only.
//
// DockerConfig is a plain value: load, change, save. Not synchronized
// between processes beyond Save's atomic replace.
//
// It lives in spec, not image, because both sides of the API read it: the
// daemon's registry client (stored logins) and the `berth` client (login,
// logout, X-Registry-Auth), which links only spec and base. The file is
// read and written through base's file helpers; nothing here talks to a
// registry.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/error.h"

namespace berth::spec {

// A user's credentials for one registry, as `docker login` stores them.
struct Credentials {
  std::string username;
  std::string password;
  // An OAuth2 refresh token some registries hand out instead of keeping the
  // password ("identitytoken" in config.json); when set, bearer tokens are
  // got by exchanging it (POST grant_type=refresh_token) instead of by
  // basic auth.
  std::string identity_token;
  bool operator==(const Credentials&) const = default;
};

// The key under "auths" for a registry named as a user types it
// ("docker.io", "index.docker.io", "https://registry-1.docker.io/v2/" all
// mean Docker Hub: "https://index.docker.io/v1/"; "https://host:5000/v2/"
// means "host:5000").
std::string CredentialKey(std::string_view server);

// The host to talk to for the registry API, for a server named as a user
// types it or as a reference's domain: Docker Hub's names map to
// "registry-1.docker.io"; otherwise scheme and path are dropped.
std::string RegistryApiHost(std::string_view server);

// $DOCKER_CONFIG/config.json, else $HOME/.docker/config.json (or the
// passwd entry's home when HOME is unset), as docker's CLI finds it.
std::string DefaultDockerConfigPath();

class DockerConfig {
 public:
  // Reads `path`. A missing file is an empty config, not an error; a file
  // that is not JSON, or whose auths are malformed, is an error naming it.
  static Result<DockerConfig> Load(const std::string& path);

  // The credentials stored for `server` (any spelling CredentialKey
  // accepts), or nullopt.
  std::optional<Credentials> Find(std::string_view server) const;
  // Stores credentials for `server` under CredentialKey(server).
  void Store(std::string_view server, const Credentials& creds);
  // Removes every entry for `server`; false when there was none.
  bool Erase(std::string_view server);

  // Writes the config to `path` with mode 0600, replacing it atomically
  // (temp file, fsync, rename), creating the parent directory (0700) if
  // needed.
  Status Save(const std::string& path) const;

 private:
  nlohmann::json doc_ = nlohmann::json::object();
};

}  // namespace berth::spec
