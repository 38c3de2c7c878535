#include "spec/docker_config.h"

#include <cerrno>
#include <cstdlib>
#include <vector>

#include "base/base64.h"
#include "base/fs.h"
#include "base/passwd.h"

namespace berth::spec {
namespace {

constexpr const char* kHubKey = "https://index.docker.io/v1/";

// "https://host:5000/v2/" -> "host:5000"
std::string_view BareHost(std::string_view server) {
  if (auto p = server.find("://"); p != std::string_view::npos) server.remove_prefix(p + 3);
  if (auto p = server.find('/'); p != std::string_view::npos) server = server.substr(0, p);
  return server;
}

bool IsHubHost(std::string_view host) {
  return host == "docker.io" || host == "index.docker.io" || host == "registry-1.docker.io" ||
         host == "registry.hub.docker.com";
}

// One "auths" entry to Credentials: "auth" is base64("user:pass"); some
// tools write "username"/"password" instead.
Result<Credentials> EntryCredentials(const std::string& key, const nlohmann::json& e) {
  if (!e.is_object()) return Fail("auths entry {:?} is not an object", key);
  Credentials c;
  auto str = [&](const char* field) {
    auto it = e.find(field);
    return it != e.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  c.identity_token = str("identitytoken");
  if (std::string auth = str("auth"); !auth.empty()) {
    auto decoded = Base64Decode(auth);
    if (!decoded) return Fail("auths entry {:?}: {}", key, decoded.error().message());
    auto colon = decoded->find(':');
    if (colon == std::string::npos)
      return Fail("auths entry {:?}: auth is not base64 of user:password", key);
    c.username = decoded->substr(0, colon);
    c.password = decoded->substr(colon + 1);
  } else {
    c.username = str("username");
    c.password = str("password");
  }
  return c;
}

}  // namespace

std::string CredentialKey(std::string_view server) {
  std::string_view host = BareHost(server);
  return IsHubHost(host) ? kHubKey : std::string(host);
}

std::string RegistryApiHost(std::string_view server) {
  std::string_view host = BareHost(server);
  return IsHubHost(host) ? "registry-1.docker.io" : std::string(host);
}

std::string DefaultDockerConfigPath() {
  if (const char* dir = std::getenv("DOCKER_CONFIG"); dir && *dir)
    return std::string(dir) + "/config.json";
  return JoinPath(HomeDirectory(), ".docker/config.json");
}

Result<DockerConfig> DockerConfig::Load(const std::string& path) {
  DockerConfig cfg;
  auto text = ReadFile(path);
  if (!text) {
    if (text.error().code() == ENOENT) return cfg;
    return std::unexpected(text.error());
  }
  cfg.doc_ = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!cfg.doc_.is_object()) return Fail("{}: not a JSON object", path);
  if (auto it = cfg.doc_.find("auths"); it != cfg.doc_.end()) {
    if (!it->is_object()) return Fail("{}: \"auths\" is not an object", path);
    // Validate every entry now, so a broken file is reported once, by name,
    // rather than as a confusing auth failure later.
    for (const auto& [key, entry] : it->items()) TRY_CTX(EntryCredentials(key, entry), "{}", path);
  }
  return cfg;
}

std::optional<Credentials> DockerConfig::Find(std::string_view server) const {
  auto auths = doc_.find("auths");
  if (auths == doc_.end() || !auths->is_object()) return std::nullopt;
  std::string want = CredentialKey(server);
  // The exact key first, then any other spelling of the same registry.
  if (auto it = auths->find(want); it != auths->end())
    if (auto c = EntryCredentials(want, *it)) return *c;
  for (const auto& [key, entry] : auths->items())
    if (CredentialKey(key) == want)
      if (auto c = EntryCredentials(key, entry)) return *c;
  return std::nullopt;
}

void DockerConfig::Store(std::string_view server, const Credentials& creds) {
  Erase(server);
  nlohmann::json entry = {{"auth", Base64Encode(creds.username + ":" + creds.password)}};
  if (!creds.identity_token.empty()) entry["identitytoken"] = creds.identity_token;
  doc_["auths"][CredentialKey(server)] = std::move(entry);
}

bool DockerConfig::Erase(std::string_view server) {
  auto auths = doc_.find("auths");
  if (auths == doc_.end() || !auths->is_object()) return false;
  std::string want = CredentialKey(server);
  std::vector<std::string> doomed;
  for (const auto& [key, entry] : auths->items())
    if (CredentialKey(key) == want) doomed.push_back(key);
  for (const auto& key : doomed) auths->erase(key);
  return !doomed.empty();
}

Status DockerConfig::Save(const std::string& path) const {
  auto slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) TRY(MkdirAll(path.substr(0, slash), 0700));
  // Docker writes the file indented with tabs; so do we, for diff-friendly
  // files shared between the two.
  std::string text = doc_.dump(1, '\t', false, nlohmann::json::error_handler_t::replace) + "\n";
  return WriteFileAtomic(path, text, 0600);
}

}  // namespace berth::spec
