// The copy loop of an attach or a non-detached exec: between a client's
// hijacked connection and a shim's stream socket, both ways.
// Output passes as the shim sends it (docker's 8-byte frames without a
// tty, raw bytes with one), less the frames of a stream the client did not
// ask for. Stdin is scanned for the detach keys; the client's end of input
// half-closes the shim side (the process reads end of file).
// Blocking; returns when the shim's stream ends, the client goes, or the
// detach keys came.
#pragma once

#include <string>
#include <vector>

namespace berth::engine {

struct StreamRelay {
  bool tty = false;
  bool want_stdout = true, want_stderr = true;
  bool stdin = false;                      // the client sends input
  std::vector<unsigned char> detach_keys;  // empty: none
};

// True when it ended on the detach keys.
bool RelayStreams(const StreamRelay& r, int shim_fd, std::string shim_buffered, int client_fd,
                  std::string client_buffered);

}  // namespace berth::engine
