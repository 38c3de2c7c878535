// The berth-shim socket protocol: how berthd (or any client) talks to the
// shim of one container. This header is the contract.
//
// Transport: a unix stream socket at STATE_DIR/shim.sock, mode 0600 (root
// only), a filesystem path (never abstract). Many clients may be connected
// at once; a client that disconnects at any time hurts nothing.
//
// Requests: one JSON object per line ('\n'-terminated, at most
// kMaxRequestLine bytes), answered in order by one JSON object per line.
// Every answer has "ok"; a refused request answers
//   {"ok":false,"error":"why"}
// and the connection stays usable. Requests:
//
//   {"op":"state"}
//     -> {"ok":true,"id":ID,"pid":N,"status":"running"|"exited",
//         "exit_code":N,"oom_killed":B,"started_at":T,"finished_at":T}
//        exit_code, oom_killed and finished_at mean something only once
//        "exited"; times are RFC 3339 UTC with nanoseconds ("" if not yet).
//        exit_code is 128+N for a process killed by signal N.
//   {"op":"wait"}
//     -> the state answer, sent once the container has exited and its
//        output is fully written to the log (at once if it already has).
//        Further requests on this connection wait behind it.
//   {"op":"kill","signal":S}    S a number (15) or a name ("TERM", "SIGKILL")
//     -> {"ok":true}; refused once the container has exited.
//   {"op":"resize","width":W,"height":H}   columns and rows of the pty
//     -> {"ok":true}; refused without a tty.
//   {"op":"close-stdin"}
//     -> {"ok":true}: the container reads end of file on its stdin.
//   {"op":"attach","stdin_once":B}
//     -> {"ok":true,"tty":B}, and from then on the connection is the
//        container's stream, no longer requests:
//        * shim to client: the output produced from now on. With a tty,
//          the raw bytes. Without, docker's multiplexed frames, which
//          berthd may pass to a Docker API client unchanged: an 8-byte
//          header {stream, 0, 0, 0, size as 4 bytes big-endian} (stream 1
//          stdout, 2 stderr) and `size` bytes.
//        * client to shim: bytes for the container's stdin (when the shim
//          was started with --stdin; otherwise discarded). With
//          "stdin_once", the client's end of file (shutdown(SHUT_WR)) closes
//          the container's stdin, as docker's StdinOnce does.
//        When the container has exited and all its output was sent, the
//        shim closes the connection: end of file is the end of output.
//        An attached client that falls more than kMaxClientBacklog bytes
//        behind is disconnected (the container and its log never wait for
//        a slow reader).
//
// After the container exits the shim writes STATE_DIR/exit.json (the state
// answer without "ok", see exit_record.h), deletes the runtime container,
// answers its waiters, finishes its attached streams, removes shim.sock and
// exits. A client that finds no socket reads exit.json instead.
//
// A shim that was killed (kill -9) leaves shim.sock and shim.pid behind
// (connect fails with ECONNREFUSED), no exit.json, and the runtime's record
// of a container that runs on without it: its init is reparented to the
// next subreaper or pid 1; a write to its closed stdout/stderr pipe fails
// with EPIPE (SIGPIPE kills a process that is not its pid namespace's init;
// the init ignores it); with a pty its session gets SIGHUP. Its exit code is
// unknowable then; the caller reports it exited, with the runtime's Kill and
// Delete.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/error.h"

namespace berth::shim {

inline constexpr size_t kMaxRequestLine = 4096;
inline constexpr size_t kMaxClientBacklog = 1 << 20;

// Stream ids of the multiplexed attach frames (docker's).
inline constexpr uint8_t kStreamStdin = 0;
inline constexpr uint8_t kStreamStdout = 1;
inline constexpr uint8_t kStreamStderr = 2;

enum class Op { kState, kWait, kKill, kResize, kCloseStdin, kAttach };

struct Request {
  Op op = Op::kState;
  int signal = 0;                  // kill
  unsigned width = 0, height = 0;  // resize
  bool stdin_once = false;         // attach
};

// Parses one request line (without its '\n'). Errors name what is wrong:
// not JSON, an unknown op, a missing or mistyped field, an unknown signal.
Result<Request> ParseRequest(std::string_view line);

// {"ok":false,"error":message}, with its trailing '\n'.
std::string ErrorAnswer(std::string_view message);

// Appends one multiplexed frame (header and data) to `out`.
void AppendFrame(std::string* out, uint8_t stream, std::string_view data);

}  // namespace berth::shim
