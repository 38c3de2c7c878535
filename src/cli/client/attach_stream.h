// The client's half of an attached container (run -i/-t, start -a,
// attach, exec): our stdin copied to the hijacked connection, what comes
// back copied to stdout/stderr, the local terminal in raw mode while a tty
// is attached, the window size followed, and docker's detach keys.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "cli/client/api_client.h"
#include "spec/detach_keys.h"

namespace berth::cli {

using spec::kDefaultDetachKeys;
using spec::ParseDetachKeys;

struct StreamOptions {
  // The container has a terminal: its output is raw bytes (not docker's
  // 8-byte frames) and, when our stdin is a terminal too, it is put in raw
  // mode for the duration (restored on every way out, signals included).
  bool tty = false;
  // Copy our stdin to the container; at its EOF the connection's write
  // side is shut and the output read to its end.
  bool send_stdin = false;
  // The key sequence that detaches (watched only with a tty, as docker's
  // CLI and daemon do).
  std::string detach_keys = std::string(kDefaultDetachKeys);
  // SIGWINCH: the caller sends the new size (null: ignored).
  std::function<void()> on_resize;
  // --sig-proxy: a caught INT, TERM, HUP, QUIT, USR1 or USR2 is handed
  // here (to be sent to the container). Null: the signal ends berth as it
  // would have (the terminal restored first).
  std::function<void(int signo)> on_signal;
};

enum class StreamEnd { kClosed, kDetached };

// Runs the copy loop on `conn` (an upgraded connection) until the daemon
// closes it (kClosed) or the user typed the detach keys (kDetached). Not
// thread-safe: one stream per process at a time (it owns the signal
// handlers while it runs).
Result<StreamEnd> StreamContainerIo(HijackedConnection& conn, const StreamOptions& opts);

// The terminal size of `fd` as {rows, cols}; an error when it is not a
// terminal.
Result<std::pair<int, int>> TerminalSize(int fd);

// Sends our terminal's size (of stdout) to `resize_path` (".../resize")
// as docker does: "?h=ROWS&w=COLS". Silent when stdout is not a terminal.
void SendTerminalSize(ApiClient& client, const std::string& resize_path);

// POST /containers/{id}/attach?stream=1&stdin=&stdout=&stderr= (with the
// user's --detach-keys for the daemon, which watches for them when there
// is no tty), hijacked.
Result<HijackedConnection> HijackAttach(ApiClient& client, const std::string& container, bool in,
                                        bool out, bool err, const std::string& detach_keys_flag);

// --sig-proxy: forwards a caught signal to the container as POST
// /containers/{id}/kill?signal=NAME.
std::function<void(int)> ForwardSignalsTo(ApiClient& client, const std::string& container);

// docker's exit code for a process the daemon could not start (run, exec):
// 127 when the command does not exist, 126 when it cannot be run, else
// `otherwise`. docker's CLI reads it from the error's text.
int CannotInvokeCode(const std::string& msg, int otherwise);

}  // namespace berth::cli
