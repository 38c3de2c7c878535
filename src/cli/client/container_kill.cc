// berth kill [-s SIGNAL] CONTAINER...: POST /containers/{id}/kill. The
// signal goes to the daemon as typed ("KILL", "SIGTERM", "9"); it decides
// what is valid.
#include "cli/client/container_each.h"

namespace berth::cli {

void AddKillCommand(CLI::App& parent, ClientOptions& o, ClientAction* a) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto signal = std::make_shared<std::string>("KILL");
  auto* cmd = parent.add_subcommand("kill", "Kill one or more running containers");
  cmd->add_option("CONTAINER", *names, "containers")->required();
  cmd->add_option("-s,--signal", *signal, "signal to send to the container");
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      std::string q = "/kill?signal=" + UrlEncode(*signal);
      return ForEachContainer(o, *names, [&](ApiClient& c, const std::string& n) {
        return c.Call("POST", ContainerPath(n) + q);
      });
    };
  });
}

}  // namespace berth::cli
