// berth start CONTAINER...: POST /containers/{id}/start for each (no
// attach yet). As docker 20.10: each failure goes to stderr as it happens,
// then "Error: failed to start containers: a, b" and exit 1.
#include <cstdio>

#include "cli/client/container_each.h"

namespace berth::cli {

void AddStartCommand(CLI::App& parent, ClientOptions& o, ClientAction* a) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto* cmd = parent.add_subcommand("start", "Start one or more stopped containers");
  cmd->add_option("CONTAINER", *names, "containers")->required();
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      std::string failed;
      for (const std::string& n : *names) {
        auto r = o.Client().Call("POST", ContainerPath(n) + "/start");
        if (!r || r->status / 100 != 2) {
          std::string msg =
              r ? "Error response from daemon: " + r->ErrorMessage() : r.error().What();
          std::fprintf(stderr, "%s\n", msg.c_str());
          failed += (failed.empty() ? "" : ", ") + n;
          continue;
        }
        std::printf("%s\n", n.c_str());
        std::fflush(stdout);
      }
      if (failed.empty()) return 0;
      std::fprintf(stderr, "Error: failed to start containers: %s\n", failed.c_str());
      return 1;
    };
  });
}

}  // namespace berth::cli
