#include "cli/client/stored_logins.h"

#include <cstdio>

#include <nlohmann/json.hpp>

#include "base/base64.h"
#include "spec/docker_config.h"

namespace berth::cli {

std::string RegistryAuthHeader(const std::string& domain) {
  nlohmann::json auth = nlohmann::json::object();
  auto config = spec::DockerConfig::Load(spec::DefaultDockerConfigPath());
  if (!config) {
    std::fprintf(stderr, "WARNING: Error loading config file: %s\n", config.error().What().c_str());
  } else if (auto c = config->Find(domain)) {
    // docker's AuthConfig leaves empty fields out (omitempty).
    if (!c->username.empty()) auth["username"] = c->username;
    if (!c->password.empty()) auth["password"] = c->password;
    if (!c->identity_token.empty()) auth["identitytoken"] = c->identity_token;
  }
  auth["serveraddress"] = spec::CredentialKey(domain);
  return Base64UrlEncode(auth.dump());
}

}  // namespace berth::cli
