// berth port CONTAINER [PRIVATE_PORT[/PROTO]]: the container's published
// ports from its NetworkSettings.Ports ("80/tcp -> 0.0.0.0:8080"); nothing
// when it has none.
#include <cstdio>
#include <map>

#include <nlohmann/json.hpp>

#include "cli/client/container_each.h"
#include "cli/client/json_fields.h"

namespace berth::cli {

void AddPortCommand(CLI::App& parent, ClientOptions& o, ClientAction* a) {
  auto container = std::make_shared<std::string>();
  auto port = std::make_shared<std::string>();
  auto* cmd = parent.add_subcommand("port", "List port mappings for the container");
  cmd->add_option("CONTAINER", *container, "container")->required();
  cmd->add_option("PRIVATE_PORT", *port, "private port[/proto]");
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      auto r = o.Client().Call("GET", ContainerPath(*container) + "/json");
      if (!r) return LocalError(r.error());
      if (r->status == 404) {
        std::fprintf(stderr, "Error: No such container: %s\n", container->c_str());
        return 1;
      }
      if (r->status != 200) return DaemonError(*r);
      auto j = nlohmann::json::parse(r->body, nullptr, false);
      if (!j.is_object() || !j.contains("NetworkSettings") || !j["NetworkSettings"].is_object() ||
          !j["NetworkSettings"].contains("Ports") || !j["NetworkSettings"]["Ports"].is_object())
        return port->empty() ? 0 : 1;
      std::string want = *port;
      if (!want.empty() && want.find('/') == std::string::npos) want += "/tcp";
      bool found = false;
      std::map<std::string, nlohmann::json> sorted;
      for (auto& [k, v] : j["NetworkSettings"]["Ports"].items()) sorted[k] = v;
      for (const auto& [k, v] : sorted) {
        if (!want.empty() && k != want) continue;
        if (!v.is_array()) continue;
        for (const auto& b : v) {
          std::string ip = StrField(b, "HostIp");
          if (ip.empty()) ip = "0.0.0.0";
          std::string hp = StrField(b, "HostPort");
          // With a port asked for, docker prints just the host side.
          if (want.empty())
            std::printf("%s -> %s:%s\n", k.c_str(), ip.c_str(), hp.c_str());
          else
            std::printf("%s:%s\n", ip.c_str(), hp.c_str());
          found = true;
        }
      }
      if (!want.empty() && !found) {
        std::fprintf(stderr, "Error: No public port '%s' published for %s\n", want.c_str(),
                     container->c_str());
        return 1;
      }
      return 0;
    };
  });
}

}  // namespace berth::cli
