#include "engine/daemon_config.h"

#include <nlohmann/json.hpp>

#include "base/fs.h"

namespace berth::engine {

namespace {

using nlohmann::json;

Result<std::vector<std::string>> StringList(const json& v, const std::string& path,
                                            const std::string& key) {
  if (!v.is_array()) return Fail("config file {}: \"{}\" must be a list of strings", path, key);
  std::vector<std::string> out;
  for (const json& e : v) {
    if (!e.is_string()) return Fail("config file {}: \"{}\" must be a list of strings", path, key);
    out.push_back(e.get<std::string>());
  }
  return out;
}

}  // namespace

Status LoadDaemonConfigFile(const std::string& path, DaemonConfig& cfg) {
  auto text = ReadFile(path);
  if (!text) return std::unexpected(text.error().Context("config file " + path));
  // An empty file (or /dev/null) sets nothing.
  if (text->find_first_not_of(" \t\r\n") == std::string::npos) return Ok();
  json j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Fail("config file {}: not a JSON object", path);
  for (auto& [key, v] : j.items()) {
    auto str = [&](std::string& out) -> Status {
      if (!v.is_string()) return Fail("config file {}: \"{}\" must be a string", path, key);
      out = v.get<std::string>();
      return Ok();
    };
    if (key == "data-root") {
      TRY(str(cfg.data_root));
    } else if (key == "exec-root") {
      TRY(str(cfg.exec_root));
    } else if (key == "insecure-registries") {
      cfg.insecure_registries = TRY(StringList(v, path, key));
    } else if (key == "registry-mirrors") {
      cfg.registry_mirrors = TRY(StringList(v, path, key));
    } else if (key == "max-concurrent-downloads") {
      if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > 64)
        return Fail("config file {}: \"{}\" must be an integer from 1 to 64", path, key);
      cfg.max_concurrent_downloads = v.get<int>();
    } else if (key == "hosts") {
      auto hosts = TRY(StringList(v, path, key));
      if (hosts.size() > 1)
        return Fail("config file {}: \"hosts\": berthd listens on one unix:// socket", path);
      for (const auto& h : hosts)
        TRY(SetListenAddress(cfg, h, "config file " + path + ": \"hosts\""));
    } else if (key == "userns-remap") {
      TRY(str(cfg.userns_remap));
    } else if (key == "debug") {
      if (!v.is_boolean()) return Fail("config file {}: \"debug\" must be true or false", path);
      cfg.debug = v.get<bool>();
    } else {
      return Fail("config file {}: unknown key \"{}\"", path, key);
    }
  }
  return Ok();
}

Status SetListenAddress(DaemonConfig& cfg, const std::string& addr, const std::string& where) {
  if (addr.starts_with("tcp://"))
    return Fail(
        "{} {}: listening on TCP needs mutual TLS (--tlsverify --tlscacert --tlscert "
        "--tlskey), which berthd does not serve yet; use a unix:// socket",
        where, addr);
  if (!addr.starts_with("unix://") || addr.size() <= 7)
    return Fail("{} {}: only unix:///path sockets are served", where, addr);
  cfg.socket_path = addr.substr(7);
  return Ok();
}

}  // namespace berth::engine
