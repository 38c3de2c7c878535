// Watching running containers: a thread per container waits on its shim
// and takes the exit; waiters are woken on each exit and removal; after a
// daemon restart, Restore puts a monitor back on every container the
// records say was running (the shim answers, or left exit.json, or died).
#include <dirent.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <thread>

#include "base/clock.h"
#include "base/fs.h"
#include "base/log.h"
#include "engine/container_live.h"
#include "engine/container_service.h"
#include "engine/shim_client.h"
#include "runtime/runtime.h"
#include "shim/exit_record.h"

namespace berth::engine {
namespace {

// The state a shim's wait answer (or exit.json) carries.
ContainerState ExitFromJson(const nlohmann::json& j) {
  ContainerState st;
  st.status = ContainerStatus::kExited;
  if (auto it = j.find("exit_code"); it != j.end() && it->is_number_integer())
    st.exit_code = it->get<int64_t>();
  if (auto it = j.find("oom_killed"); it != j.end() && it->is_boolean())
    st.oom_killed = it->get<bool>();
  if (auto it = j.find("finished_at"); it != j.end() && it->is_string())
    st.finished_at = it->get<std::string>();
  if (st.finished_at.empty()) st.finished_at = NowRfc3339Nano();
  return st;
}

std::vector<std::string> DirEntries(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return names;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  ::closedir(d);
  return names;
}

}  // namespace

void ContainerService::Monitor(const std::string& id) {
  std::string state_dir = StateDir(id);
  ContainerState exited;
  bool known = false;
  // The shim answers "wait" once the container has exited and its output
  // is in the log.
  if (auto conn = ShimConnection::Connect(state_dir + "/shim.sock")) {
    if (auto answer = conn->Call({{"op", "wait"}})) {
      exited = ExitFromJson(*answer);
      known = true;
    }
  }
  // No answer: the shim exited (its exit.json says how the container
  // ended) or was killed, in which case the container runs on unwatched:
  // kill what is left, and report it exited.
  if (!known) {
    if (auto record = shim::ReadExitRecord(state_dir + "/exit.json")) {
      exited = ExitFromJson(shim::ExitRecordToJson(*record));
    } else {
      runtime::RuntimeOptions ro{.root = RuntimeRoot()};
      (void)runtime::Kill(ro, id, SIGKILL, true);
      // Its cgroup can only go once the killed processes are gone.
      for (int i = 0; i < 100; i++) {
        auto pids = runtime::Processes(ro, id);
        if (!pids || pids->empty()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      (void)runtime::Delete(ro, id, true);
      exited.status = ContainerStatus::kExited;
      exited.exit_code = 137;
      exited.finished_at = NowRfc3339Nano();
      exited.error = "the container's berth-shim died";
      log::Warn("container {}: its shim is gone; reported exited (137)", id);
    }
  }
  OnExit(id, exited);
}

void ContainerService::OnExit(const std::string& id, const ContainerState& exited) {
  auto live = LiveOf(id);
  auto rec = store_.Get(id);
  bool auto_remove = false;
  if (rec && *rec) {
    ContainerRecord& r = **rec;
    r.state.status = ContainerStatus::kExited;
    r.state.pid = 0;
    r.state.exit_code = exited.exit_code;
    r.state.oom_killed = exited.oom_killed;
    r.state.finished_at = exited.finished_at;
    if (!exited.error.empty()) r.state.error = exited.error;
    if (auto s = store_.SetState(id, r.state); !s)
      log::Warn("container {}: record its exit: {}", id, s.error().What());
    std::string rootfs = BundleDir(id) + "/rootfs";
    (void)::umount2(rootfs.c_str(), MNT_DETACH);
    (void)RemoveAll(StateDir(id));
    UnmountUnusedVolumes(r);  // --- volumes, binds, tmpfs ---
    if (exited.oom_killed) Emit(r, "oom");
    Emit(r, "die", {{"exitCode", std::to_string(exited.exit_code)}});
    auto_remove = r.host_config.value("AutoRemove", false);
    // --- restart policies, health checks, stats ---
    // Its checks end with it; the policy may bring it back (auto-remove
    // and a restart policy never go together: create refuses them).
    StopHealthChecks(id);
    if (ScheduleRestart(r)) auto_remove = false;
  }

  {
    std::lock_guard lock(mu_);
    live->running = false;
    live->exits++;
    live->last_exit_code = exited.exit_code;
  }
  cv_.notify_all();
  // --rm: removed once it has exited, as docker's daemon does it.
  if (auto_remove) {
    std::lock_guard op(live->op);
    if (auto cur = store_.Get(id); cur && *cur) {
      if (auto s = RemoveLocked(**cur); !s)
        log::Warn("container {}: auto-remove: {}", id, s.error().What());
    }
  }
}

Result<bool> ContainerService::AwaitExit(const std::shared_ptr<Live>& live, int timeout_ms) {
  std::unique_lock lock(mu_);
  auto done = [&] { return !live->running || closing_; };
  if (timeout_ms < 0) {
    cv_.wait(lock, done);
    return true;
  }
  return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), done);
}

Result<WaitResult> ContainerService::Wait(const std::string& name_or_id, WaitCondition condition,
                                          const std::function<bool()>& cancelled,
                                          const std::function<void()>& registered) {
  ContainerRecord rec = TRY(store_.Lookup(name_or_id));
  auto live = LiveOf(rec.id);
  std::unique_lock lock(mu_);
  uint64_t exits = live->exits;
  bool done_now = condition == WaitCondition::kNotRunning && !live->running;
  if (registered) {
    // Outside the lock: it writes to a client.
    lock.unlock();
    registered();
    lock.lock();
  }
  if (done_now) return WaitResult{rec.state.exit_code, ""};
  for (;;) {
    if (condition == WaitCondition::kRemoved ? live->removed : live->exits != exits)
      // Error stays empty: docker's wait reports only the status code of
      // a container that ran (how it ended is in inspect's State.Error).
      return WaitResult{live->exits != exits ? live->last_exit_code : rec.state.exit_code, ""};
    if (closing_) return FailAs(ECANCELED, "the daemon is shutting down");
    cv_.wait_for(lock, std::chrono::milliseconds(200));
    if (cancelled && cancelled()) return FailAs(ECANCELED, "the client went away");
  }
}

Status ContainerService::Restore() {
  auto records = TRY(store_.List());
  std::set<std::string> ids;
  for (const ContainerRecord& r : records) ids.insert(r.id);

  // Leftovers of a create or remove that a crash interrupted: directories
  // and writable layers with no record.
  for (const std::string& name : DirEntries(options_.data_root + "/containers")) {
    if (ids.count(name)) continue;
    std::string dir = BundleDir(name);
    (void)::umount2((dir + "/rootfs").c_str(), MNT_DETACH);
    (void)RemoveAll(dir);
  }
  for (const std::string& name : DirEntries(images_.snapshots().root() + "/active"))
    if (!ids.count(name)) (void)images_.snapshots().RemoveActive(name);

  // Every container that was running gets its monitor back; the monitor
  // finds out whether its shim still serves.
  // A container that was waiting to restart has no shim: the restart
  // policies below decide.
  for (const ContainerRecord& r : records) {
    if (IsRunning(r.state)) {
      // Its health checks go on from where the old daemon left them
      // (before the monitor, whose exit stops them).
      StartHealthChecks(r);
      WatchShim(r.id);
    }
  }
  // Restart policies at the daemon's start.
  RestartOnBoot(records);
  return Ok();
}

}  // namespace berth::engine
