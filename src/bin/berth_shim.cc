// berth-shim: one per container, started by berthd. All of it lives in
// src/shim; this parses the flags, launches, and prints the shim's pid.
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "runtime/runtime.h"
#include "shim/shim.h"

int main(int argc, char** argv) {
  berth::shim::ShimOptions o;
  std::string max_size;
  CLI::App app{"berth-shim: holds one container's stdio, log and exit status"};
  app.add_option("--id", o.id, "container id")->required();
  app.add_option("--bundle", o.bundle, "OCI bundle directory")->required();
  app.add_option("--state-dir", o.state_dir, "where shim.sock, shim.pid and exit.json go")
      ->required();
  app.add_option("--runtime-root", o.runtime_root, "the runtime's state root")->required();
  app.add_flag("--tty", o.tty, "the process has a pty (process.terminal)");
  app.add_flag("--stdin", o.open_stdin, "keep the process's stdin open for attach");
  app.add_option("--attach-wait", o.attach_wait_ms,
                 "hold the output until the first attach, at most this many ms");
  app.add_option("--log-path", o.log.path, "json-file log of the output");
  app.add_option("--log-max-size", max_size, "rotate the log at this size (bytes, or 10m)");
  app.add_option("--log-max-file", o.log.max_file, "log files kept, the current one included")
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  if (!max_size.empty()) {
    auto n = berth::runtime::ParseMemoryValue(max_size);
    if (!n) {
      std::fprintf(stderr, "berth-shim: --log-max-size: %s\n", n.error().What().c_str());
      return 1;
    }
    o.log.max_size = *n;
  }
  auto pid = berth::shim::Launch(o);
  if (!pid) {
    std::fprintf(stderr, "berth-shim: %s\n", pid.error().What().c_str());
    return 1;
  }
  std::printf("%d\n", *pid);
  return 0;
}
