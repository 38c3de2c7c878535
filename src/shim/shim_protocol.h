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
//     With "exec_id":ID, signals that exec's process instead; refused
//     before it started and once it has exited.
//   {"op":"resize","width":W,"height":H}   columns and rows of the pty
//     -> {"ok":true}; refused without a tty. With "exec_id":ID, resizes
//     that exec's pty instead (refused if it has none, or has ended).
//   {"op":"close-stdin"}
//     -> {"ok":true}: the container reads end of file on its stdin.
//     With "exec_id":ID, that exec's process does.
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
// Exec: more processes in the running container (docker exec). Each has
// an ID of [A-Za-z0-9_.-], 1 to kMaxExecIdLength characters, chosen by the
// client and unique within this shim (a duplicate is refused, even of an
// exec that has ended). Exec output never goes to the json-file log.
//
//   {"op":"exec","exec_id":ID,"process":P,"detach":B,"stdin":B}
//     P is a complete OCI runtime-spec process object (args, env, cwd,
//     user, terminal, capabilities, noNewPrivileges, rlimits, ...), run in
//     every namespace and cgroup of the container's init. "detach" and
//     "stdin" are optional (false, true). With a terminal, the pty starts
//     at process.consoleSize, if given.
//     -> {"ok":true,"pid":N} once the process has exec'd (N in the shim's
//        pid namespace), or an error that leaves nothing behind (no process,
//        no record of ID). The error keeps the cause's words, which berthd
//        maps to docker's exit codes: "executable file not found" (127),
//        "permission denied" (126); refused with "container ID is not
//        running" once the container's init has exited.
//     Without "detach", after the ok answer the connection is the exec's
//     stream, as with attach: with process.terminal, a pty and raw bytes
//     both ways; without, pipes, docker's multiplexed frames from the shim
//     (stream 1 stdout, 2 stderr) and raw bytes to it for the process's
//     stdin ("stdin":false gives the process /dev/null and discards them).
//     The client's end of file (shutdown(SHUT_WR)) closes the process's
//     stdin (with a pty: the terminal's EOF character). Once the process
//     has exited and its output is sent, the shim closes the connection;
//     output still held open by a process it left behind is read for up
//     to a second after the exit. A stream that falls kMaxClientBacklog
//     bytes behind is disconnected; the process runs on, its output lost.
//     With "detach", the process's stdin is /dev/null and its output is
//     discarded (as docker does); the connection stays in request mode.
//   {"op":"exec-state","exec_id":ID}
//     -> {"ok":true,"exec_id":ID,"pid":N,"running":B,"exit_code":N}
//        exit_code (128+N for signal N) means something once not running.
//        An exec still starting (its answer not yet sent) has pid 0 and is
//        not running. Unknown IDs are refused.
//   {"op":"exec-wait","exec_id":ID}
//     -> the exec-state answer, sent once the process has exited and its
//        output was read to the end and handed to its stream (at once if it
//        already has). Further requests on this connection wait behind it.
//
// The shim keeps the record of the last kMaxFinishedExecs ended execs
// (older ones are forgotten, their IDs then unknown) until it exits. When
// the container's init exits, the execs' processes die with its pid
// namespace (any left are killed); their streams end as above.
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

#include <nlohmann/json.hpp>

#include "base/error.h"

namespace berth::shim {

// An exec's process object carries the container's whole environment.
inline constexpr size_t kMaxRequestLine = 1 << 20;
inline constexpr size_t kMaxClientBacklog = 1 << 20;
inline constexpr size_t kMaxExecIdLength = 128;
inline constexpr size_t kMaxFinishedExecs = 64;

// Stream ids of the multiplexed attach frames (docker's).
inline constexpr uint8_t kStreamStdin = 0;
inline constexpr uint8_t kStreamStdout = 1;
inline constexpr uint8_t kStreamStderr = 2;

enum class Op { kState, kWait, kKill, kResize, kCloseStdin, kAttach, kExec, kExecState, kExecWait };

struct Request {
  Op op = Op::kState;
  int signal = 0;                  // kill
  unsigned width = 0, height = 0;  // resize
  bool stdin_once = false;         // attach
  // exec, exec-state, exec-wait; kill, resize and close-stdin of an exec.
  // Empty: the request is about the container.
  std::string exec_id;
  nlohmann::json process;  // exec: an object (the runtime validates its fields)
  bool terminal = false;   // exec: process.terminal
  bool detach = false;     // exec
  bool stdin = true;       // exec
};

// Parses one request line (without its '\n'). Errors name what is wrong:
// not JSON, an unknown op, a missing or mistyped field, an unknown signal,
// a malformed exec ID.
Result<Request> ParseRequest(std::string_view line);

// The exec-state answer (and exec-wait's), with its trailing '\n'.
std::string ExecStateAnswer(std::string_view exec_id, int pid, bool running, int exit_code);

// {"ok":false,"error":message}, with its trailing '\n'.
std::string ErrorAnswer(std::string_view message);

// Appends one multiplexed frame (header and data) to `out`.
void AppendFrame(std::string* out, uint8_t stream, std::string_view data);

}  // namespace berth::shim
