// berth-runtime run [flags] ID: create + start; in the foreground, wait and
// exit with the container's status.
#include "cli/runtime/commands.h"
#include "runtime/sealed_exe.h"

namespace berth::cli {

void AddRun(CLI::App& app, Globals& g, Action* action) {
  auto* cmd = app.add_subcommand("run", "create and start a container");
  auto o = std::make_shared<runtime::CreateOptions>();
  auto detach = std::make_shared<bool>(false);
  AddCreateFlags(*cmd, *o);
  cmd->add_flag("-d,--detach", *detach, "return once the container has started");
  cmd->callback([&g, action, o, detach] {
    *action = [&g, o, detach] {
      if (auto st = runtime::EnsureSealedSelf(g.argv, g.envp); !st) return ReportError(st.error());
      auto code = runtime::Run(g.Options(), *o, *detach);
      return code ? *code : ReportError(code.error());
    };
  });
}

}  // namespace berth::cli
