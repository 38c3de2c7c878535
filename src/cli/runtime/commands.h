// berth-runtime's command line: runc 1.1's verbs, flags, output and exit
// codes, one file per verb, each a thin layer over src/runtime.
#pragma once

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "runtime/runtime.h"

namespace berth::cli {

struct Globals {
  std::string root = "/run/berth-runtime";
  std::string log;
  std::string log_format = "text";
  bool debug = false;
  bool systemd_cgroup = false;
  char** argv = nullptr;  // for the sealed re-exec
  char** envp = nullptr;
  runtime::RuntimeOptions Options() const { return {root, systemd_cgroup}; }
};

// What a verb does once its flags are parsed; returns the exit code.
using Action = std::function<int()>;

// Each registers one subcommand and sets `*action` when it is chosen.
void AddSpec(CLI::App& app, Globals& g, Action* action);
void AddCreate(CLI::App& app, Globals& g, Action* action);
void AddStart(CLI::App& app, Globals& g, Action* action);
void AddRun(CLI::App& app, Globals& g, Action* action);
void AddState(CLI::App& app, Globals& g, Action* action);
void AddKill(CLI::App& app, Globals& g, Action* action);
void AddDelete(CLI::App& app, Globals& g, Action* action);
void AddList(CLI::App& app, Globals& g, Action* action);
void AddFeatures(CLI::App& app, Globals& g, Action* action);
void AddPause(CLI::App& app, Globals& g, Action* action);
void AddResume(CLI::App& app, Globals& g, Action* action);
void AddPs(CLI::App& app, Globals& g, Action* action);
void AddEvents(CLI::App& app, Globals& g, Action* action);
void AddUpdate(CLI::App& app, Globals& g, Action* action);
void AddExec(CLI::App& app, Globals& g, Action* action);

// The flags create and run share.
void AddCreateFlags(CLI::App& cmd, runtime::CreateOptions& o);

// Prints the error as one line (to the log and stderr) and returns 1.
int ReportError(const Error& e);

// The whole program: parse, dispatch, exit code.
int Main(int argc, char** argv, char** envp);

}  // namespace berth::cli
