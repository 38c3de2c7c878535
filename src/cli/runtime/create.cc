// berth-runtime create [flags] ID: sets the container up; its process
// waits until `start`.
#include "cli/runtime/commands.h"
#include "runtime/sealed_exe.h"

namespace berth::cli {

void AddCreateFlags(CLI::App& cmd, runtime::CreateOptions& o) {
  cmd.add_option("id", o.id, "container id")->required();
  cmd.add_option("-b,--bundle", o.bundle, "path to the bundle (default: current directory)");
  cmd.add_option("--console-socket", o.console_socket,
                 "unix socket that receives the pty master when process.terminal is true");
  cmd.add_option("--pid-file", o.pid_file, "file to write the init's pid to");
  cmd.add_flag("--no-pivot", o.no_pivot, "use MS_MOVE and chroot instead of pivot_root");
  cmd.add_flag("--no-new-keyring", o.no_new_keyring, "keep the caller's session keyring");
  cmd.add_option("--preserve-fds", o.preserve_fds, "pass N extra fds (from 3) to the process")
      ->check(CLI::NonNegativeNumber);
}

void AddCreate(CLI::App& app, Globals& g, Action* action) {
  auto* cmd = app.add_subcommand("create", "create a container");
  auto o = std::make_shared<runtime::CreateOptions>();
  AddCreateFlags(*cmd, *o);
  cmd->callback([&g, action, o] {
    *action = [&g, o] {
      if (auto st = runtime::EnsureSealedSelf(g.argv, g.envp); !st) return ReportError(st.error());
      auto pid = runtime::Create(g.Options(), *o);
      return pid ? 0 : ReportError(pid.error());
    };
  });
}

}  // namespace berth::cli
