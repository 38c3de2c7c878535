// The start of an exec (shim_protocol.h's "exec" op): one more process in
// the running container. The runtime library's Exec forks, joins the
// container's namespaces and cgroups and waits until the process has
// exec'd; it is not thread-safe and blocks while it works. So the shim
// forks a helper to run it: the poll loop goes on serving, and what the
// runtime library faults in and allocates stays out of the shim's memory.
// The helper reports one line over a pipe and exits; the process it
// started is then the shim's child (the shim is a child subreaper), to be
// reaped by the shim like the container's init.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/unique_fd.h"
#include "runtime/runtime.h"

namespace berth::shim {

// What the process's stdio is.
struct ExecStdio {
  bool terminal = false;  // a pty (process.terminal): its master comes to `console`
  bool output = true;     // pipes for stdout and stderr; false: /dev/null
  bool input = true;      // a pipe for stdin; false: /dev/null (ignored with a pty)
};

// The shim's side of a started helper.
struct ExecLaunch {
  int helper_pid = 0;  // the shim's child; reap it
  // Read end: "ok PID" or "error TEXT", then end of file once the helper
  // is done (the process has exec'd, or nothing of it is left).
  UniqueFd report;
  UniqueFd console;   // with a terminal: the pty master arrives here (TakePtyMaster)
  UniqueFd out, err;  // read ends of the output pipes; invalid with a pty or /dev/null
  UniqueFd in;        // write end of the stdin pipe; invalid with a pty or /dev/null
};

// Forks the helper, which runs `process` in container `container_id` as a
// detached exec. For the shim only: it must be a child subreaper, reap the
// helper, and read `report`. All fds returned are close-on-exec and
// non-blocking. Errors: pipes or fork failed (nothing was started).
Result<ExecLaunch> LaunchExec(const runtime::RuntimeOptions& ro, const std::string& container_id,
                              const nlohmann::json& process, const ExecStdio& stdio);

// A helper's complete report: the process's pid, or the error it ran into
// (the runtime's words: "executable file not found", errno texts in Go's
// lower case such as "permission denied", as docker prints them).
Result<int> ParseExecReport(std::string_view report);

}  // namespace berth::shim
