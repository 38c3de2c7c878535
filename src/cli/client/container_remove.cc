// berth rm [-f] [-v] CONTAINER...: DELETE /containers/{id}. Without -f the
// daemon refuses a running container (409, its message printed as is).
#include "cli/client/container_each.h"

namespace berth::cli {

void AddRmCommand(CLI::App& parent, const std::string& name, ClientOptions& o, ClientAction* a) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto force = std::make_shared<bool>(false);
  auto volumes = std::make_shared<bool>(false);
  auto* cmd = parent.add_subcommand(name, "Remove one or more containers");
  cmd->add_option("CONTAINER", *names, "containers")->required();
  cmd->add_flag("-f,--force", *force, "force the removal of a running container (SIGKILL)");
  cmd->add_flag("-v,--volumes", *volumes, "remove anonymous volumes of the container");
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      std::string q;
      if (*force) q += "force=1";
      if (*volumes) q += std::string(q.empty() ? "" : "&") + "v=1";
      if (!q.empty()) q = "?" + q;
      return ForEachContainer(o, *names, [&](ApiClient& c, const std::string& n) {
        return c.Call("DELETE", ContainerPath(n) + q);
      });
    };
  });
}

}  // namespace berth::cli
