// berth-runtime state ID: the OCI state JSON.
#include <cstdio>

#include "cli/runtime/commands.h"

namespace berth::cli {

void AddState(CLI::App& app, Globals& g, Action* action) {
  auto* cmd = app.add_subcommand("state", "print a container's state as JSON");
  auto id = std::make_shared<std::string>();
  cmd->add_option("id", *id, "container id")->required();
  cmd->callback([&g, action, id] {
    *action = [&g, id] {
      auto st = runtime::State(g.Options(), *id);
      if (!st) return ReportError(st.error());
      std::printf("%s\n", spec::StateToJson(*st).dump(2).c_str());
      return 0;
    };
  });
}

}  // namespace berth::cli
