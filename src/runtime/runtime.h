// berth-runtime's verbs as a library: what `berth-runtime create` and the
// others do, callable by the shim and the daemon without exec'ing a CLI.
// Each call works on the container records under `RuntimeOptions::root`
// and is safe to run concurrently with calls from other processes on other
// containers; calls on one container are serialized by a lock on its dir.
// Not thread-safe within a process (create forks and may change the
// process's subreaper flag).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "runtime/container_state.h"
#include "spec/runtime_state.h"

namespace berth::runtime {

// The runtime-spec version berth-runtime implements (state's ociVersion).
inline constexpr const char* kRuntimeSpecVersion = "1.2.1";

struct RuntimeOptions {
  std::string root = "/run/berth-runtime";
  bool systemd_cgroup = false;
};

struct CreateOptions {
  std::string id;
  std::string bundle;  // empty: the current directory
  std::string console_socket;
  // Instead of console_socket: an already connected socket to send the
  // pty master over (used by a foreground `run`, which proxies the pty).
  int console_fd = -1;
  std::string pid_file;
  bool no_pivot = false;
  bool no_new_keyring = false;
  int preserve_fds = 0;
};

// Sets the container up and leaves its init blocked before exec; returns
// once it is "created". On failure nothing is left behind: no record, no
// cgroup, no process. Returns the init's pid.
Result<int> Create(const RuntimeOptions& ro, const CreateOptions& o);

// Lets a created container's init exec the process; runs poststart hooks.
Status Start(const RuntimeOptions& ro, const std::string& id);

// create + start. Detached: returns 0 once started. In the foreground: the
// caller becomes the init's subreaper, forwards signals to it, waits, and
// deletes the container; returns its exit status (128+N if killed by N).
Result<int> Run(const RuntimeOptions& ro, const CreateOptions& o, bool detach);

Result<spec::State> State(const RuntimeOptions& ro, const std::string& id);

// Sends `signal` to the init, or with `all` to every process of the
// container's cgroup. Refused for a stopped container.
Status Kill(const RuntimeOptions& ro, const std::string& id, int signal, bool all);

// Removes a stopped (or created) container: cgroup, record, poststop
// hooks. With `force` a running container is killed first.
Status Delete(const RuntimeOptions& ro, const std::string& id, bool force);

Result<std::vector<ContainerRecord>> List(const RuntimeOptions& ro);

// The runtime-spec "features" document for this build on this host.
nlohmann::json Features();

// Parses "KILL", "SIGKILL", "9" into a signal number.
Result<int> ParseSignal(const std::string& name);

// Freezes every process of a running or created container through its
// cgroup's freezer and returns once the kernel reports them all stopped;
// `state` then says "paused". Refused (ESRCH) for a paused or stopped one.
Status Pause(const RuntimeOptions& ro, const std::string& id);
// Thaws a paused container. Refused unless it is paused.
Status Resume(const RuntimeOptions& ro, const std::string& id);

// The pids in the container's cgroup (and its sub-cgroups), ascending.
Result<std::vector<int>> Processes(const RuntimeOptions& ro, const std::string& id);
// Of a `ps` output: the header and the lines whose PID column holds one of
// `pids`. Errors: no PID column; a PID field that is not a number.
Result<std::string> FilterPsOutput(const std::string& ps_output, std::vector<int> pids);

// One runc "stats" event, {"type":"stats","id":ID,"data":{...}}, read from
// the cgroup now. Refused for a stopped container.
Result<nlohmann::ordered_json> StatsEvent(const RuntimeOptions& ro, const std::string& id);

// Streams the container's events to `emit` until it stops: a stats event
// every `interval`, and {"type":"oom","id":ID} whenever the kernel's OOM
// killer acts in its cgroup. Refused for a stopped container.
Status Events(const RuntimeOptions& ro, const std::string& id, std::chrono::nanoseconds interval,
              const std::function<void(const nlohmann::ordered_json&)>& emit);

// Parses a Go duration ("5s", "100ms", "1m30s", "1.5h"), as runc's
// --interval takes it.
Result<std::chrono::nanoseconds> ParseDuration(const std::string& text);

// Changes a container's linux.resources to `resources` overlaid on what it
// has (one level deep: {"memory": {"limit": N}} keeps the reservation).
// All or nothing: validated first; if the kernel refuses a value, the old
// values are written back and the error names the field. Saved in the
// container's record for later updates.
Status Update(const RuntimeOptions& ro, const std::string& id, const nlohmann::json& resources);

// runc's memory sizes: bytes, or with a unit (k, m, g, t, p; "kb", "MiB"
// too), binary multiples; "-1" for unlimited.
Result<int64_t> ParseMemoryValue(const std::string& text);

struct ExecOptions {
  std::string id;
  std::optional<nlohmann::json> process;  // --process: a whole process JSON
  // Otherwise the container's own process, with these laid over it:
  std::vector<std::string> args;
  bool tty = false;
  std::string cwd;
  std::vector<std::string> env;     // KEY=VALUE, replacing the same KEY
  std::optional<std::string> user;  // "uid[:gid]"
  std::vector<uint32_t> additional_gids;
  std::vector<std::string> caps;  // added to bounding, effective, permitted
  bool no_new_privs = false;
  std::string console_socket;
  // Instead of console_socket: an already connected socket to send the
  // pty master over (the shim's exec receives it with TakePtyMaster).
  int console_fd = -1;
  std::string pid_file;
  // Set to the process's pid (in the caller's pid namespace) once it runs.
  int* pid_out = nullptr;
  bool detach = false;
  bool ignore_paused = false;
  int preserve_fds = 0;
};

// Runs a process in a running (or created, or with ignore_paused, paused)
// container: every namespace of its init, its cgroups, and the process
// spec's user, capabilities, rlimits, no_new_privs and seccomp. Detached:
// returns 0 once the process has exec'd. In the foreground: waits and
// returns its exit status (128+N for signal N), passing signals on and
// proxying the pty when it holds one. Nothing is left behind on failure.
Result<int> Exec(const RuntimeOptions& ro, const ExecOptions& o);

}  // namespace berth::runtime
