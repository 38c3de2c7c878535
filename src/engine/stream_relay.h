// The copy loop of an attach or a non-detached exec: between a client's
// hijacked connection and a shim's stream socket, both ways.
// Output passes as the shim sends it (docker's 8-byte frames without a
// tty, raw bytes with one), less the frames of a stream the client did not
// ask for. A terminal's stdin is scanned for the detach keys. The client's
// end of input half-closes the shim side without a tty (the process reads
// end of file) and ends the relay with one. Neither side blocks the other:
// each direction holds at most 256 KiB before it stops reading.
// Blocking; returns when the shim's stream ends, the client goes, or the
// detach keys came.
#pragma once

#include <string>

#include "base/error.h"

namespace berth::engine {

struct StreamRelay {
  bool tty = false;
  bool want_stdout = true, want_stderr = true;
  bool stdin = false;       // the client sends input
  std::string detach_keys;  // with a tty; empty: none
};

// The detach keys a client named (docker's --detach-keys form; "" the
// default), or EINVAL in dockerd's words: "Invalid detach keys (X)
// provided".
Result<std::string> DetachKeysFor(const std::string& spec);

// True when it ended on the detach keys.
bool RelayStreams(const StreamRelay& r, int shim_fd, std::string shim_buffered, int client_fd,
                  std::string client_buffered);

}  // namespace berth::engine
