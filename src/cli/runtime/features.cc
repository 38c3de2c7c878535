// berth-runtime features: what this runtime supports, as runtime-spec JSON.
#include <cstdio>

#include "cli/runtime/commands.h"

namespace berth::cli {

void AddFeatures(CLI::App& app, Globals&, Action* action) {
  auto* cmd = app.add_subcommand("features", "print the features this runtime supports");
  cmd->callback([action] {
    *action = [] {
      std::printf("%s\n", runtime::Features().dump(4).c_str());
      return 0;
    };
  });
}

}  // namespace berth::cli
