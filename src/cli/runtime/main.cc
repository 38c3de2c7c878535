#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "base/log.h"
#include "cli/runtime/commands.h"

namespace berth::cli {

int ReportError(const Error& e) {
  std::string line = e.What();
  log::Write(log::Level::kError, line);
  if (log::LogsElsewhere()) std::fprintf(stderr, "berth-runtime: %s\n", line.c_str());
  return 1;
}

int Main(int argc, char** argv, char** envp) {
  Globals g;
  g.argv = argv;
  g.envp = envp;
  // As runc: rootless callers keep their state under $XDG_RUNTIME_DIR.
  if (const char* xdg = std::getenv("XDG_RUNTIME_DIR"); ::geteuid() != 0 && xdg && *xdg)
    g.root = std::string(xdg) + "/berth-runtime";
  CLI::App app{"berth-runtime: an OCI runtime (a drop-in for runc)", "berth-runtime"};
  app.set_version_flag("-v,--version", "berth-runtime version 0.1.0\nspec: 1.2.1");
  app.require_subcommand(1);
  app.fallthrough();
  app.add_option("--root", g.root, "root directory for container state")->capture_default_str();
  app.add_option("--log", g.log, "log file (default: stderr)");
  app.add_option("--log-format", g.log_format, "log format: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_flag("--debug", g.debug, "log debug messages");
  app.add_flag("--systemd-cgroup", g.systemd_cgroup, "manage cgroups through systemd");
  bool ignored = false;
  app.add_flag("--rootless", ignored, "accepted for runc compatibility; detected automatically");
  std::string criu;
  app.add_option("--criu", criu, "accepted for runc compatibility");

  Action action;
  AddSpec(app, g, &action);
  AddCreate(app, g, &action);
  AddStart(app, g, &action);
  AddRun(app, g, &action);
  AddState(app, g, &action);
  AddKill(app, g, &action);
  AddDelete(app, g, &action);
  AddList(app, g, &action);
  AddFeatures(app, g, &action);
  AddPause(app, g, &action);
  AddResume(app, g, &action);
  AddPs(app, g, &action);
  AddEvents(app, g, &action);
  AddUpdate(app, g, &action);
  AddExec(app, g, &action);

  // CLI11 would only say "a subcommand is required" for a mistyped verb.
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--") break;
    if (a.starts_with("-")) {
      if (!a.contains('=') &&
          (a == "--root" || a == "--log" || a == "--log-format" || a == "--criu"))
        ++i;
      continue;
    }
    auto subs = app.get_subcommands([&](CLI::App* c) { return c->check_name(std::string(a)); });
    if (subs.empty()) {
      std::fprintf(stderr, "berth-runtime: unknown command \"%s\"\n", argv[i]);
      return 1;
    }
    break;
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::fprintf(stderr, "berth-runtime: %s\n", e.what());
    return 1;
  }
  auto fmt = g.log_format == "json" ? log::Format::kJson : log::Format::kText;
  if (auto st = log::Configure(g.log, fmt, g.debug); !st) {
    std::fprintf(stderr, "berth-runtime: %s\n", st.error().What().c_str());
    return 1;
  }
  return action ? action() : 1;
}

}  // namespace berth::cli
