// berth volume rm [-f] VOLUME...: DELETE /volumes/{name}, printing each
// name removed; the exit code is 1 if any failed.
#include <cstdio>

#include "cli/client/commands.h"

namespace berth::cli {

void AddVolumeRemoveCommand(CLI::App& parent, const std::string& name, ClientOptions& o,
                            ClientAction* a) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto force = std::make_shared<bool>(false);
  auto* cmd = parent.add_subcommand(name, "Remove one or more volumes");
  cmd->add_option("VOLUME", *names, "volumes")->required();
  cmd->add_flag("-f,--force", *force, "force the removal of one or more volumes");
  cmd->callback([=, &o] {
    *a = [=, &o]() -> int {
      int rc = 0;
      for (const std::string& n : *names) {
        auto r = o.Client().Call("DELETE", "/volumes/" + UrlEncode(n) + (*force ? "?force=1" : ""));
        if (!r) {
          rc = LocalError(r.error());
          continue;
        }
        if (r->status != 204 && r->status != 200) {
          rc = DaemonError(*r);
          continue;
        }
        std::printf("%s\n", n.c_str());
      }
      return rc;
    };
  });
}

}  // namespace berth::cli
