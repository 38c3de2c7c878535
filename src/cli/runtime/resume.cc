// berth-runtime resume ID: thaws a paused container.
#include "cli/runtime/commands.h"

namespace berth::cli {

void AddResume(CLI::App& app, Globals& g, Action* action) {
  auto* cmd = app.add_subcommand("resume", "resume all processes that have been previously paused");
  auto id = std::make_shared<std::string>();
  cmd->add_option("id", *id, "container id")->required();
  cmd->callback([&g, action, id] {
    *action = [&g, id] {
      auto st = runtime::Resume(g.Options(), *id);
      return st ? 0 : ReportError(st.error());
    };
  });
}

}  // namespace berth::cli
