// Running a helper program to its end and taking what it printed: how
// berthd starts berth-shim (which daemonizes and reports its pid) and runs
// ps for docker top.
// Thread-safe; the child starts with every signal unblocked and at its
// default disposition (whatever the calling thread blocks), stdin on
// /dev/null, and no fd of the caller's but its stdout and stderr pipes.
#pragma once

#include <string>
#include <vector>

#include "base/error.h"

namespace berth {

struct ProgramOutput {
  int exit_status = 0;  // the exit code, or 128 + the signal that killed it
  std::string out, err;
};

// Runs `binary` (a path, or a name looked up in PATH) with `args` (argv[1..]).
// An error when it could not be started, or (ETIMEDOUT) when it has not
// ended and closed its output within `timeout_ms` (-1: no limit): it is
// killed then.
Result<ProgramOutput> RunProgram(const std::string& binary, const std::vector<std::string>& args,
                                 int timeout_ms = -1);

}  // namespace berth
