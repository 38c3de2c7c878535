// Signals and freezing: stop (the stop signal, SIGKILL after the timeout),
// restart, kill, pause and unpause, pty resize, and top, all of a running
// container through its shim or the runtime library.
#include <signal.h>

#include <sstream>

#include "base/log.h"
#include "base/subprocess.h"
#include "engine/container_live.h"
#include "engine/container_service.h"
#include "engine/shim_client.h"
#include "runtime/runtime.h"

namespace berth::engine {
namespace {

std::unexpected<Error> NotRunning(const ContainerRecord& rec) {
  return FailAs(EBUSY, "Container {} is not running", rec.id);
}

}  // namespace

Status ContainerService::SignalShim(const ContainerRecord& rec, int signal) {
  auto conn = ShimConnection::Connect(StateDir(rec.id) + "/shim.sock");
  if (conn) {
    auto answer = conn->Call({{"op", "kill"}, {"signal", signal}});
    if (answer) return Ok();
  }
  // No shim to ask: the runtime reaches the container directly (its
  // monitor takes the exit).
  return runtime::Kill({.root = RuntimeRoot()}, rec.id, signal, false);
}

Status ContainerService::Stop(const std::string& name_or_id, std::optional<int> timeout_s,
                              const std::string& signal) {
  Locked l = TRY(LockContainer(name_or_id));
  // One waiting to restart is running in docker's sense: the stop cancels
  // the restart.
  if (l.rec.state.status == ContainerStatus::kRestarting) {
    TRY(EndRestarting(l.rec));
    Emit(l.rec, "stop");
    return Ok();
  }
  if (!IsRunning(l.rec.state)) return FailAs(EALREADY, "container {} is not running", l.rec.id);
  // Stopped by the user: no restart policy brings it back (remembered
  // across daemon restarts for unless-stopped).
  TRY(store_.SetManualStop(l.rec.id, true));
  TRY(StopLocked(l.rec, timeout_s, signal));
  Emit(l.rec, "stop");
  return Ok();
}

Status ContainerService::StopLocked(const ContainerRecord& rec, std::optional<int> timeout_s,
                                    const std::string& signal) {
  // The signal: the caller's, else the container's StopSignal, else the
  // image's, else SIGTERM. The timeout: the caller's, else the container's
  // StopTimeout, else docker's 10 s.
  ContainerConfig config = TRY(ParseContainerConfig(rec.config));
  int sig = SIGTERM;
  std::string name = !signal.empty() ? signal : config.stop_signal;
  if (name.empty()) {
    auto image_id = image::ParseDigest(rec.image_id);
    if (image_id) {
      if (auto image = images_.Details(*image_id)) {
        auto it = image->config.config.find("StopSignal");
        if (it != image->config.config.end() && it->is_string()) name = it->get<std::string>();
      }
    }
  }
  if (!name.empty()) sig = TRY(ParseSignal(name));
  int timeout = timeout_s.value_or(static_cast<int>(config.stop_timeout.value_or(10)));

  auto live = LiveOf(rec.id);
  if (rec.state.status == ContainerStatus::kPaused) {
    // A frozen process cannot act on its signal: thaw it after sending.
    (void)SignalShim(rec, sig);
    (void)runtime::Resume({.root = RuntimeRoot()}, rec.id);
  } else if (auto s = SignalShim(rec, sig); !s) {
    log::Warn("stop {}: signal {}: {}", rec.id, sig, s.error().What());
  }
  Emit(rec, "kill", {{"signal", std::to_string(sig)}});
  bool exited = TRY(AwaitExit(live, timeout < 0 ? -1 : timeout * 1000));
  if (exited) return Ok();
  (void)SignalShim(rec, SIGKILL);
  Emit(rec, "kill", {{"signal", std::to_string(SIGKILL)}});
  TRY(AwaitExit(live, -1));
  return Ok();
}

Status ContainerService::Restart(const std::string& name_or_id, std::optional<int> timeout_s,
                                 const std::string& signal) {
  Locked l = TRY(LockContainer(name_or_id));
  if (l.rec.state.status == ContainerStatus::kRestarting) {
    CancelRestart(l.rec.id);
  } else if (IsRunning(l.rec.state)) {
    // The policy must not race this restart with one of its own.
    TRY(store_.SetManualStop(l.rec.id, true));
    l.rec.state.manual_stop = true;
    TRY(StopLocked(l.rec, timeout_s, signal));
    Emit(l.rec, "stop");
    auto cur = TRY(store_.Get(l.rec.id));
    if (!cur) return FailAs(ENOENT, "No such container: {}", name_or_id);
    l.rec = std::move(*cur);
  }
  TRY(StartLocked(l.rec));
  Emit(l.rec, "restart");
  return Ok();
}

Status ContainerService::Kill(const std::string& name_or_id, const std::string& signal) {
  int sig = SIGKILL;
  if (!signal.empty()) {
    auto parsed = ParseSignal(signal);
    if (!parsed) return FailAs(EINVAL, "{}", parsed.error().message());
    sig = *parsed;
  }
  Locked l = TRY(LockContainer(name_or_id));
  // A kill cancels a pending restart, as dockerd's.
  if (l.rec.state.status == ContainerStatus::kRestarting) {
    TRY(EndRestarting(l.rec));
    Emit(l.rec, "kill", {{"signal", std::to_string(sig)}});
    return Ok();
  }
  if (!IsRunning(l.rec.state)) return NotRunning(l.rec);
  // As dockerd 20.10: any signal sent by the user counts as a manual stop.
  TRY(store_.SetManualStop(l.rec.id, true));
  TRY(SignalShim(l.rec, sig));
  // A frozen process takes SIGKILL only once thawed.
  if (l.rec.state.status == ContainerStatus::kPaused && sig == SIGKILL)
    (void)runtime::Resume({.root = RuntimeRoot()}, l.rec.id);
  Emit(l.rec, "kill", {{"signal", std::to_string(sig)}});
  return Ok();
}

Status ContainerService::Pause(const std::string& name_or_id) {
  Locked l = TRY(LockContainer(name_or_id));
  if (!IsRunning(l.rec.state)) return NotRunning(l.rec);
  if (l.rec.state.status == ContainerStatus::kPaused)
    return FailAs(EBUSY, "Container {} is already paused", l.rec.id);
  TRY(runtime::Pause({.root = RuntimeRoot()}, l.rec.id));
  l.rec.state.status = ContainerStatus::kPaused;
  TRY(store_.SetState(l.rec.id, l.rec.state));
  Emit(l.rec, "pause");
  return Ok();
}

Status ContainerService::Unpause(const std::string& name_or_id) {
  Locked l = TRY(LockContainer(name_or_id));
  if (l.rec.state.status != ContainerStatus::kPaused)
    return FailAs(EBUSY, "Container {} is not paused", l.rec.id);
  TRY(runtime::Resume({.root = RuntimeRoot()}, l.rec.id));
  l.rec.state.status = ContainerStatus::kRunning;
  TRY(store_.SetState(l.rec.id, l.rec.state));
  Emit(l.rec, "unpause");
  return Ok();
}

Status ContainerService::Resize(const std::string& name_or_id, unsigned height, unsigned width) {
  ContainerRecord rec = TRY(store_.Lookup(name_or_id));
  if (!IsRunning(rec.state)) return NotRunning(rec);
  auto conn = TRY(ShimConnection::Connect(StateDir(rec.id) + "/shim.sock"));
  auto answer = conn.Call({{"op", "resize"}, {"width", width}, {"height", height}});
  if (!answer) return FailAs(EINVAL, "resize {}: {}", rec.name, answer.error().message());
  return Ok();
}

Result<TopResult> ContainerService::Top(const std::string& name_or_id, const std::string& ps_args) {
  ContainerRecord rec = TRY(store_.Lookup(name_or_id));
  if (!IsRunning(rec.state)) return NotRunning(rec);
  std::vector<int> pids = TRY(runtime::Processes({.root = RuntimeRoot()}, rec.id));
  // ps runs on the host (as docker's top does) and its lines are kept for
  // the container's pids.
  std::vector<std::string> args;
  std::istringstream words(ps_args.empty() ? "-ef" : ps_args);
  for (std::string w; words >> w;) args.push_back(w);
  ProgramOutput ps = TRY(RunProgram("ps", args));
  if (ps.exit_status != 0)
    return FailAs(EINVAL, "Error running ps: exit status {}: {}", ps.exit_status, ps.err);
  std::string table = TRY(runtime::FilterPsOutput(ps.out, pids));
  TopResult top;
  std::istringstream lines(table);
  std::string line;
  std::getline(lines, line);
  std::istringstream header(line);
  for (std::string t; header >> t;) top.titles.push_back(t);
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    // Each column is a word but the last, which takes the rest (CMD).
    std::vector<std::string> row;
    size_t pos = 0;
    for (size_t c = 0; c < top.titles.size(); c++) {
      while (pos < line.size() && line[pos] == ' ') pos++;
      if (c + 1 == top.titles.size()) {
        row.push_back(line.substr(pos));
        break;
      }
      size_t end = line.find(' ', pos);
      if (end == std::string::npos) end = line.size();
      row.push_back(line.substr(pos, end - pos));
      pos = end;
    }
    top.processes.push_back(std::move(row));
  }
  return top;
}

}  // namespace berth::engine
