// berth-runtime exec ID [COMMAND...]: runs a process in a running
// container, from --process FILE or from the container's own process spec
// with runc's flags laid over it.
#include "base/fs.h"
#include "cli/runtime/commands.h"

namespace berth::cli {

void AddExec(CLI::App& app, Globals& g, Action* action) {
  auto* cmd = app.add_subcommand("exec", "execute a new process inside a container");
  cmd->fallthrough(false);
  cmd->prefix_command();  // everything after ID is the command, as runc takes it
  struct Args {
    runtime::ExecOptions o;
    std::string process_file, process_label, apparmor;
    std::string user;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("-p,--process", a->process_file, "process.json (runtime-spec process)");
  cmd->add_flag("-t,--tty", a->o.tty, "allocate a pseudo-TTY");
  cmd->add_option("--console-socket", a->o.console_socket, "unix socket to send the pty master to");
  cmd->add_option("--cwd", a->o.cwd, "current working directory in the container");
  cmd->add_option("-e,--env", a->o.env, "set an environment variable (KEY=VALUE)")
      ->allow_extra_args(false);
  cmd->add_option("-u,--user", a->user, "UID[:GID]");
  cmd->add_option("-g,--additional-gids", a->o.additional_gids, "additional gids")
      ->allow_extra_args(false);
  cmd->add_option("-c,--cap", a->o.caps, "add a capability (CAP_...)")->allow_extra_args(false);
  cmd->add_flag("--no-new-privs", a->o.no_new_privs, "set no_new_privs");
  cmd->add_option("--process-label", a->process_label, "SELinux label (not enabled here)");
  cmd->add_option("--apparmor", a->apparmor, "AppArmor profile (not enabled here)");
  cmd->add_flag("-d,--detach", a->o.detach, "detach from the process");
  cmd->add_option("--pid-file", a->o.pid_file, "file to write the process's pid to");
  cmd->add_option("--preserve-fds", a->o.preserve_fds, "pass N more fds (3..3+N-1)");
  cmd->add_flag("--ignore-paused", a->o.ignore_paused, "exec even if the container is paused");
  cmd->callback([&g, action, a, cmd] {
    *action = [&g, a, cmd] {
      auto rest = cmd->remaining();
      if (rest.empty()) return ReportError(Error(0, "exec: a container id is required"));
      a->o.id = rest.front();
      a->o.args.assign(rest.begin() + 1, rest.end());
      if (!a->o.args.empty() && a->o.args.front() == "--") a->o.args.erase(a->o.args.begin());
      if (!a->user.empty()) a->o.user = a->user;
      if (!a->process_label.empty())
        return ReportError(Error(0, "exec --process-label: SELinux is not enabled on this host"));
      if (!a->apparmor.empty())
        return ReportError(Error(0, "exec --apparmor: AppArmor is not enabled on this host"));
      if (!a->process_file.empty()) {
        auto text = ReadFile(a->process_file);
        if (!text) return ReportError(text.error());
        auto j = nlohmann::json::parse(*text, nullptr, false);
        if (j.is_discarded())
          return ReportError(Error(0, "--process " + a->process_file + ": invalid JSON"));
        a->o.process = j;
      }
      auto code = runtime::Exec(g.Options(), a->o);
      return code ? *code : ReportError(code.error());
    };
  });
}

}  // namespace berth::cli
