// berth-runtime start ID: lets a created container run its process.
#include "cli/runtime/commands.h"

namespace berth::cli {

void AddStart(CLI::App& app, Globals& g, Action* action) {
  auto* cmd = app.add_subcommand("start", "start a created container");
  auto id = std::make_shared<std::string>();
  cmd->add_option("id", *id, "container id")->required();
  cmd->callback([&g, action, id] {
    *action = [&g, id] {
      auto st = runtime::Start(g.Options(), *id);
      return st ? 0 : ReportError(st.error());
    };
  });
}

}  // namespace berth::cli
