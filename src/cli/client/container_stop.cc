// berth stop [-t N] CONTAINER...: POST /containers/{id}/stop; the daemon
// sends the stop signal, then SIGKILL after N seconds (its default: the
// container's StopTimeout, else 10).
#include "cli/client/container_each.h"

namespace berth::cli {

void AddStopCommand(CLI::App& parent, ClientOptions& o, ClientAction* a) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto time = std::make_shared<int>(-1);
  auto* cmd = parent.add_subcommand("stop", "Stop one or more running containers");
  cmd->add_option("CONTAINER", *names, "containers")->required();
  cmd->add_option("-t,--time", *time, "seconds to wait for stop before killing it");
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      std::string q = *time >= 0 ? "/stop?t=" + std::to_string(*time) : "/stop";
      return ForEachContainer(o, *names, [&](ApiClient& c, const std::string& n) {
        return c.Call("POST", ContainerPath(n) + q);
      });
    };
  });
}

}  // namespace berth::cli
