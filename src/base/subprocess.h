// Running a helper program to its end and taking what it printed: how
// berthd starts berth-shim (which daemonizes and reports its pid) and runs
// ps for docker top.
// Thread-safe; the child starts with every signal unblocked and at its
// default disposition (whatever the calling thread blocks), stdin on
// /dev/null, and none of the caller's close-on-exec fds.
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
// An error only when it could not be started.
Result<ProgramOutput> RunProgram(const std::string& binary, const std::vector<std::string>& args);

}  // namespace berth
