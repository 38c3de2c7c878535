// berth pause CONTAINER... / berth unpause CONTAINER...: POST
// /containers/{id}/pause|unpause (the cgroup freezer, on the daemon's side).
#include "cli/client/container_each.h"

namespace berth::cli {

void AddPauseCommand(CLI::App& parent, const std::string& verb, ClientOptions& o, ClientAction* a) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto* cmd = parent.add_subcommand(
      verb, verb == "pause" ? "Pause all processes within one or more containers"
                            : "Unpause all processes within one or more containers");
  cmd->add_option("CONTAINER", *names, "containers")->required();
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      return ForEachContainer(o, *names, [&](ApiClient& c, const std::string& n) {
        return c.Call("POST", ContainerPath(n) + "/" + verb);
      });
    };
  });
}

}  // namespace berth::cli
