// berth-shim's launch: from the caller's command line to a daemonized shim
// holding a created and started container. The caller (berthd) learns the
// outcome synchronously: Launch returns in the caller's process once the
// container runs, or with the error after everything made for it was
// removed again (no process, runtime record, cgroup, socket or state file).
#pragma once

#include <string>

#include "base/error.h"
#include "shim/json_file_log.h"

namespace berth::shim {

struct ShimOptions {
  std::string id;
  std::string bundle;
  std::string state_dir;     // shim.sock, shim.pid, exit.json
  std::string runtime_root;  // the runtime library's --root
  bool tty = false;          // the process has a pty (config process.terminal)
  bool open_stdin = false;   // keep a stdin for attach clients to write to
  // Holds the container's output (in its pipes or pty) until the first
  // attach client is there, for at most this long: `docker run` attaches
  // before it starts the container and must see its first bytes.
  int attach_wait_ms = 0;
  LogFileOptions log;  // path "" = no log file
};

// Forks the shim (new session, child subreaper) and waits for its report.
// For berth-shim's main only: the forked shim closes every inherited fd
// but 0-2, and is not reaped by the caller; berthd runs the binary.
// In the caller's process: the shim's pid once the container has started.
// The shim itself never returns from this call: it serves and exits.
Result<int> Launch(const ShimOptions& o);

}  // namespace berth::shim
