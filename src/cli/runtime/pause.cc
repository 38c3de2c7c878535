// berth-runtime pause ID: freezes every process of the container.
#include "cli/runtime/commands.h"

namespace berth::cli {

void AddPause(CLI::App& app, Globals& g, Action* action) {
  auto* cmd = app.add_subcommand("pause", "suspend all processes inside the container");
  auto id = std::make_shared<std::string>();
  cmd->add_option("id", *id, "container id")->required();
  cmd->callback([&g, action, id] {
    *action = [&g, id] {
      auto st = runtime::Pause(g.Options(), *id);
      return st ? 0 : ReportError(st.error());
    };
  });
}

}  // namespace berth::cli
