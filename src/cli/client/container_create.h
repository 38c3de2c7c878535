// What `berth create` and `berth run` share: their flags, the POST
// /containers/create body docker's CLI builds from them, and the pull that
// follows a "No such image" answer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/client/commands.h"
#include "cli/client/run_flags_lifecycle.h"
#include "cli/client/run_flags_resources.h"
#include "cli/client/run_flags_security.h"
#include "cli/client/run_flags_storage.h"

namespace berth::cli {

struct CreateFlags {
  bool detach = false, interactive = false, tty = false, rm = false, init = false;
  std::string name, workdir, user, entrypoint, hostname, stop_signal;
  bool entrypoint_set = false;
  int stop_timeout = 0;
  bool stop_timeout_set = false;
  std::vector<std::string> env, env_files, labels, log_opts;
  std::vector<std::string> attach;  // -a: STDIN, STDOUT, STDERR (any case)
  std::string network = "default", pid, ipc, uts;
  std::string image;
  std::vector<std::string> args;  // COMMAND and its ARGs
  // Each area's flags live in a file of its own (run_flags_<area>.cc).
  ResourceFlags resources;
  SecurityFlags security;
  StorageFlags storage;
  LifecycleFlags lifecycle;
};

// Adds the flags of create/run to `cmd` (IMAGE [COMMAND] [ARG...], flags
// only before IMAGE, as docker parses them).
void AddCreateFlags(CLI::App* cmd, const std::shared_ptr<CreateFlags>& f);

// Which streams the client attaches to, as docker's CLI decides: those
// named by -a, else stdout and stderr; stdin too with -i; none with -d.
struct AttachedStreams {
  bool in = false, out = false, err = false;
};
AttachedStreams StreamsToAttach(const CreateFlags& f);

// Reads IMAGE [COMMAND] [ARG...] from what the flags left (docker stops
// reading flags at IMAGE) into `f`; false after printing docker's error
// (no IMAGE, or an unknown flag before it): exit 125.
bool TakeImageAndArgs(CLI::App* cmd, CreateFlags& f, const std::string& cmd_name);

// The create request's JSON body (Config + HostConfig + NetworkingConfig),
// as docker 20.10's CLI sends it. `lookup_env` resolves "-e VAR" without a
// value; env files are read by the caller into `file_env`.
Result<nlohmann::json> CreateBody(const CreateFlags& f, const std::vector<std::string>& file_env,
                                  const std::function<const char*(const std::string&)>& lookup_env);

// Creates the container (pulling its image first when the daemon does not
// have it, with "Unable to find image" and the progress on stderr); returns
// its ID. On failure prints docker's "berth: ....\nSee 'berth CMD --help'."
// and returns nothing: the caller exits 125.
std::optional<std::string> CreateContainer(ClientOptions& o, const CreateFlags& f,
                                           const std::string& cmd_name);

// docker's reportError: "berth: MSG.\nSee 'berth CMD --help'." to stderr.
void ReportRunError(const std::string& cmd_name, std::string msg);

}  // namespace berth::cli
