// The shim's running half: one single-threaded poll loop that copies the
// container's output into its json-file log and to attached clients, feeds
// its stdin, answers the socket protocol (shim_protocol.h), runs execs
// (started by forked helpers, exec_launch.h) and streams them, reaps the
// init, the execs' processes and every orphan reparented to the shim (it
// is their subreaper), and after the exit writes exit.json, deletes the
// runtime container and ends.
#pragma once

#include <optional>
#include <string>

#include "base/unique_fd.h"
#include "runtime/runtime.h"
#include "shim/json_file_log.h"

namespace berth::shim {

// A created and started container, with the shim's ends of its stdio.
struct RunningContainer {
  runtime::RuntimeOptions ro;
  std::string id;
  std::string state_dir;
  int pid = 0;  // the init
  std::string started_at;
  bool tty = false;
  int attach_wait_ms = 0;  // output held until an attach, at most this long
  UniqueFd out;            // stdout pipe, or the pty master
  UniqueFd err;            // stderr pipe; invalid with a tty
  UniqueFd in;             // stdin pipe, or a dup of the master; invalid without --stdin
  UniqueFd listener;       // shim.sock, listening
  UniqueFd signal_fd;      // SIGCHLD (blocked in the shim)
  std::optional<JsonFileLog> log;
};

// Serves until the container has exited and every waiter and attached
// client has its answer (or a short linger has passed). Returns the
// shim's own exit status: 0, or 1 if exit.json could not be written.
int Serve(RunningContainer c);

}  // namespace berth::shim
