#include <cstdio>

#include <fmt/core.h>

#include "cli/client/commands.h"

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
  AddImageInspectCommand(app, "inspect", o, &action);
  AddHistoryCommand(app, "history", o, &action);
  AddSaveCommand(app, "save", o, &action);
  AddLoadCommand(app, "load", o, &action);
  AddImportCommand(app, "import", o, &action);
  AddVersionCommand(app, o, &action);
  AddInfoCommand(app, o, &action);
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

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // docker: flag errors exit 125 (help and version exit 0).
    int rc = app.exit(e);
    return rc == 0 ? 0 : 125;
  }
  return action ? action() : 0;
}

}  // namespace berth::cli
