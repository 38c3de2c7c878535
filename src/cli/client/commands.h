// `berth`'s command line: docker's commands, flags, output and exit codes,
// one file per command, each a thin HTTP client of the Engine API (never
// linking the engine). Commands also answer under docker's management
// groups (`berth image ls` = `berth images`).
#pragma once

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "base/error.h"
#include "cli/client/api_client.h"

namespace berth::cli {

struct ClientOptions {
  std::string host;  // -H
  bool debug = false;
  ApiClient Client() const;
};

// What a command does once its flags are parsed; returns the exit code.
using ClientAction = std::function<int()>;

// Prints docker's "Error response from daemon: MSG" (or a local error) to
// stderr; returns 1.
int DaemonError(const ApiResponse& r);
int LocalError(const Error& e);

// Each adds one command named `name` under `parent`.
void AddPullCommand(CLI::App& parent, const std::string& name, ClientOptions& o, ClientAction* a);
void AddImagesCommand(CLI::App& parent, const std::string& name, ClientOptions& o, ClientAction* a);
void AddRmiCommand(CLI::App& parent, const std::string& name, ClientOptions& o, ClientAction* a);
void AddTagCommand(CLI::App& parent, const std::string& name, ClientOptions& o, ClientAction* a);
void AddImageInspectCommand(CLI::App& parent, const std::string& name, ClientOptions& o,
                            ClientAction* a);
void AddHistoryCommand(CLI::App& parent, const std::string& name, ClientOptions& o,
                       ClientAction* a);
void AddSaveCommand(CLI::App& parent, const std::string& name, ClientOptions& o, ClientAction* a);
void AddLoadCommand(CLI::App& parent, const std::string& name, ClientOptions& o, ClientAction* a);
void AddImportCommand(CLI::App& parent, const std::string& name, ClientOptions& o, ClientAction* a);
void AddPushCommand(CLI::App& parent, const std::string& name, ClientOptions& o, ClientAction* a);
void AddPruneCommand(CLI::App& parent, ClientOptions& o, ClientAction* a);
void AddVersionCommand(CLI::App& parent, ClientOptions& o, ClientAction* a);
void AddInfoCommand(CLI::App& parent, ClientOptions& o, ClientAction* a);
void AddLoginCommand(CLI::App& parent, ClientOptions& o, ClientAction* a);
void AddLogoutCommand(CLI::App& parent, ClientAction* a);  // local: no daemon

// Container commands (container_*.cc).
void AddCreateCommand(CLI::App& parent, ClientOptions& o, ClientAction* a);
void AddRunCommand(CLI::App& parent, ClientOptions& o, ClientAction* a);
void AddStartCommand(CLI::App& parent, ClientOptions& o, ClientAction* a);
void AddStopCommand(CLI::App& parent, ClientOptions& o, ClientAction* a);
void AddRestartCommand(CLI::App& parent, ClientOptions& o, ClientAction* a);
void AddKillCommand(CLI::App& parent, ClientOptions& o, ClientAction* a);
void AddRmCommand(CLI::App& parent, const std::string& name, ClientOptions& o, ClientAction* a);
void AddWaitCommand(CLI::App& parent, ClientOptions& o, ClientAction* a);
// verb: "pause" or "unpause".
void AddPauseCommand(CLI::App& parent, const std::string& verb, ClientOptions& o, ClientAction* a);
void AddRenameCommand(CLI::App& parent, ClientOptions& o, ClientAction* a);
void AddPsCommand(CLI::App& parent, const std::string& name, ClientOptions& o, ClientAction* a);
void AddLogsCommand(CLI::App& parent, ClientOptions& o, ClientAction* a);
void AddTopCommand(CLI::App& parent, ClientOptions& o, ClientAction* a);
void AddPortCommand(CLI::App& parent, ClientOptions& o, ClientAction* a);
void AddContainerPruneCommand(CLI::App& parent, ClientOptions& o, ClientAction* a);
// `inspect`: any_object makes it the top-level command (a container, else
// an image, --type to choose); otherwise `container inspect`.
void AddContainerInspectCommand(CLI::App& parent, ClientOptions& o, ClientAction* a,
                                bool any_object);

// The attached half (attach_stream.cc plumbing): attach, exec; and diff,
// export; events (system_events.cc).
void AddAttachCommand(CLI::App& parent, ClientOptions& o, ClientAction* a);
void AddExecCommand(CLI::App& parent, ClientOptions& o, ClientAction* a);
void AddDiffCommand(CLI::App& parent, ClientOptions& o, ClientAction* a);
void AddExportCommand(CLI::App& parent, ClientOptions& o, ClientAction* a);
void AddEventsCommand(CLI::App& parent, ClientOptions& o, ClientAction* a);

// --- resources and update ---

// --- security options and userns-remap ---

// --- volumes, binds, tmpfs ---

// --- restart policies, health checks, stats ---

// --- cp and commit ---

int ClientMain(int argc, char** argv);

}  // namespace berth::cli
