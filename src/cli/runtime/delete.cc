// berth-runtime delete [--force] ID: removes a stopped or created container.
#include <cerrno>

#include "cli/runtime/commands.h"

namespace berth::cli {

void AddDelete(CLI::App& app, Globals& g, Action* action) {
  auto* cmd = app.add_subcommand("delete", "delete a container");
  auto id = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  cmd->add_option("id", *id, "container id")->required();
  cmd->add_flag("-f,--force", *force, "kill the container first if it is running");
  cmd->callback([&g, action, id, force] {
    *action = [&g, id, force] {
      auto st = runtime::Delete(g.Options(), *id, *force);
      // As runc: --force on a container that does not exist is not an error.
      if (!st && *force && st.error().code() == ENOENT) return 0;
      return st ? 0 : ReportError(st.error());
    };
  });
}

}  // namespace berth::cli
