// The terminal side of a foreground `run` with process.terminal and no
// --console-socket (as runc does it): berth-runtime receives the pty master
// itself and copies between it and its own stdin/stdout.
#pragma once

#include <termios.h>

#include "base/error.h"
#include "base/unique_fd.h"

namespace berth::runtime {

// Takes the pty master the init sent over `sock`, if one is waiting there;
// an invalid fd when none is (the process has no terminal).
Result<UniqueFd> TakePtyMaster(int sock);

// Puts fd 0 into raw mode while alive, when it is a terminal, so keys go to
// the container's pty untouched.
class RawStdin {
 public:
  RawStdin();
  ~RawStdin();
  RawStdin(const RawStdin&) = delete;
  RawStdin& operator=(const RawStdin&) = delete;

 private:
  bool active_ = false;
  termios saved_{};
};

// Copies what is readable: stdin to the master, the master to stdout.
// Returns false once the master has hung up (the pty's last user is gone).
bool PumpPty(int master, bool* stdin_open);

// Gives the pty the size of our own terminal (on start and on SIGWINCH).
void CopyWindowSize(int master);

}  // namespace berth::runtime
