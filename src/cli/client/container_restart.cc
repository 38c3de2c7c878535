// berth restart [-t N] CONTAINER...: POST /containers/{id}/restart (a stop
// with the same timeout rules as `stop`, then a start).
#include "cli/client/container_each.h"

namespace berth::cli {

void AddRestartCommand(CLI::App& parent, ClientOptions& o, ClientAction* a) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto time = std::make_shared<int>(-1);
  auto* cmd = parent.add_subcommand("restart", "Restart one or more containers");
  cmd->add_option("CONTAINER", *names, "containers")->required();
  cmd->add_option("-t,--time", *time, "seconds to wait for stop before killing it");
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      std::string q = *time >= 0 ? "/restart?t=" + std::to_string(*time) : "/restart";
      return ForEachContainer(o, *names, [&](ApiClient& c, const std::string& n) {
        return c.Call("POST", ContainerPath(n) + q);
      });
    };
  });
}

}  // namespace berth::cli
