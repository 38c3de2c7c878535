#include <cstdio>

#include <fmt/core.h>

#include "cli/client/commands.h"
#include "cli/client/container_stats.h"  // restart policies, health checks, stats

namespace berth::cli {

ApiClient ClientOptions::Client() const {
  auto sock = ApiClient::SocketFromHost(host);
  return ApiClient(sock ? *sock : "/run/berth/berth.sock");
}

int DaemonError(const ApiResponse& r) {
  std::fprintf(stderr, "Error response from daemon: %s\n", r.ErrorMessage().c_str());
  return 1;
}

int LocalError(const Error& e) {
  std::fprintf(stderr, "%s\n", e.What().c_str());
  return 1;
}

namespace {

// The container commands, at the top level and again under `container`
// (where `ls`, `ps` and `list` are all ps, and `rm`/`remove` both remove).
void AddContainerCommands(CLI::App& app, ClientOptions& o, ClientAction* a) {
  CLI::App* group = app.add_subcommand("container", "Manage containers");
  group->require_subcommand(1);
  for (CLI::App* p : {&app, group}) {
    AddCreateCommand(*p, o, a);
    AddRunCommand(*p, o, a);
    AddStartCommand(*p, o, a);
    AddStopCommand(*p, o, a);
    AddRestartCommand(*p, o, a);
    AddKillCommand(*p, o, a);
    AddWaitCommand(*p, o, a);
    AddPauseCommand(*p, "pause", o, a);
    AddPauseCommand(*p, "unpause", o, a);
    AddRenameCommand(*p, o, a);
    AddLogsCommand(*p, o, a);
    AddTopCommand(*p, o, a);
    AddPortCommand(*p, o, a);
    AddAttachCommand(*p, o, a);
    AddExecCommand(*p, o, a);
    AddDiffCommand(*p, o, a);
    AddExportCommand(*p, o, a);
  }
  AddRmCommand(app, "rm", o, a);
  AddPsCommand(app, "ps", o, a);
  AddRmCommand(*group, "rm", o, a);
  AddPsCommand(*group, "ls", o, a);
  AddContainerInspectCommand(*group, o, a, /*any_object=*/false);
  AddContainerPruneCommand(*group, o, a);
}

// docker's words for a flag it does not know: "unknown flag: --x" and
// where to look, exit 125. CLI11 reports it as an unexpected argument.
bool ReportUnknownFlag(const CLI::App& app, const CLI::ParseError& e) {
  std::string msg = e.what();
  size_t colon = msg.find(": ");
  if (colon == std::string::npos) return false;
  std::string arg = msg.substr(colon + 2);
  arg = arg.substr(0, arg.find(' '));
  if (!arg.starts_with("-") || arg == "-") return false;
  std::string path = "berth";
  for (const CLI::App* cur = &app;;) {
    auto subs = cur->get_subcommands();
    if (subs.empty()) break;
    cur = subs.front();
    path += " " + cur->get_name();
  }
  std::string flag = arg.substr(0, arg.find('='));
  if (flag.starts_with("--"))
    std::fprintf(stderr, "unknown flag: %s\n", flag.c_str());
  else
    std::fprintf(stderr, "unknown shorthand flag: '%c' in %s\n", flag.size() > 1 ? flag[1] : '-',
                 flag.c_str());
  std::fprintf(stderr, "See '%s --help'.\n", path.c_str());
  return true;
}

}  // namespace

int ClientMain(int argc, char** argv) {
  CLI::App app{"berth: a container engine (docker's commands)", "berth"};
  app.set_version_flag("-v,--version", "berth version 0.1.0");
  app.require_subcommand(1);
  ClientOptions o;
  app.add_option("-H,--host", o.host, "daemon socket to connect to (unix:///path)");
  app.add_flag("-D,--debug", o.debug, "debug output");
  ClientAction action;

  AddPullCommand(app, "pull", o, &action);
  AddPushCommand(app, "push", o, &action);
  AddImagesCommand(app, "images", o, &action);
  AddRmiCommand(app, "rmi", o, &action);
  AddTagCommand(app, "tag", o, &action);
  AddContainerInspectCommand(app, o, &action, /*any_object=*/true);
  AddHistoryCommand(app, "history", o, &action);
  AddSaveCommand(app, "save", o, &action);
  AddLoadCommand(app, "load", o, &action);
  AddImportCommand(app, "import", o, &action);
  AddVersionCommand(app, o, &action);
  AddInfoCommand(app, o, &action);
  AddEventsCommand(app, o, &action);
  AddLoginCommand(app, o, &action);
  AddLogoutCommand(app, &action);
  CLI::App* image = app.add_subcommand("image", "Manage images");
  image->require_subcommand(1);
  AddPullCommand(*image, "pull", o, &action);
  AddPushCommand(*image, "push", o, &action);
  AddImagesCommand(*image, "ls", o, &action);
  AddRmiCommand(*image, "rm", o, &action);
  AddTagCommand(*image, "tag", o, &action);
  AddImageInspectCommand(*image, "inspect", o, &action);
  AddHistoryCommand(*image, "history", o, &action);
  AddSaveCommand(*image, "save", o, &action);
  AddLoadCommand(*image, "load", o, &action);
  AddImportCommand(*image, "import", o, &action);
  AddPruneCommand(*image, o, &action);
  AddContainerCommands(app, o, &action);
  CLI::App* system = app.add_subcommand("system", "Manage berth");
  system->require_subcommand(1);
  AddEventsCommand(*system, o, &action);

  // --- resources and update ---
  AddUpdateCommand(app, o, &action);
  AddUpdateCommand(*app.get_subcommand("container"), o, &action);

  // --- security options and userns-remap ---

  // --- volumes, binds, tmpfs ---
  AddVolumeCommands(app, o, &action);
  AddSystemDfCommand(*system, o, &action);

  // --- restart policies, health checks, stats ---
  AddStatsCommand(app, o, &action);
  for (CLI::App* group :
       app.get_subcommands([](CLI::App* s) { return s->get_name() == "container"; }))
    AddStatsCommand(*group, o, &action);

  // --- cp and commit ---
  for (CLI::App* p : {&app, app.get_subcommand("container")}) {
    AddCpCommand(*p, o, &action);
    AddCommitCommand(*p, o, &action);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ExtrasError& e) {
    if (ReportUnknownFlag(app, e)) return 125;
    app.exit(e);
    return 125;
  } catch (const CLI::ParseError& e) {
    // docker: flag errors exit 125 (help and version exit 0).
    int rc = app.exit(e);
    return rc == 0 ? 0 : 125;
  }
  return action ? action() : 0;
}

}  // namespace berth::cli
