// berth-runtime kill ID [SIGNAL]: signals the init (or, with --all, every
// process of the container). SIGNAL is a name (TERM, SIGKILL) or number.
#include "cli/runtime/commands.h"

namespace berth::cli {

void AddKill(CLI::App& app, Globals& g, Action* action) {
  auto* cmd = app.add_subcommand("kill", "send a signal to a container's processes");
  struct Args {
    std::string id;
    std::string signal = "SIGTERM";
    bool all = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("id", a->id, "container id")->required();
  cmd->add_option("signal", a->signal, "signal name or number (default SIGTERM)");
  cmd->add_flag("-a,--all", a->all, "signal every process in the container's cgroup");
  cmd->callback([&g, action, a] {
    *action = [&g, a] {
      auto sig = runtime::ParseSignal(a->signal);
      if (!sig) return ReportError(sig.error());
      auto st = runtime::Kill(g.Options(), a->id, *sig, a->all);
      return st ? 0 : ReportError(st.error());
    };
  });
}

}  // namespace berth::cli
