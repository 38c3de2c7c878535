// Restart policies, as dockerd's restart manager applies them: on an exit
// the policy decides (always; unless-stopped unless the user stopped it;
// on-failure for a non-zero exit, at most MaximumRetryCount times), the
// container shows "restarting" while it waits out a backoff of 100 ms that
// doubles on every restart up to a minute and starts over once the
// container ran for 10 s, then it is started again ("die", then "start").
// A stop, kill or removal meanwhile cancels the pending restart. When the
// daemon starts, containers under "always", and "unless-stopped" ones the
// user did not stop, are started again.
#include <algorithm>
#include <chrono>
#include <thread>

#include "base/clock.h"
#include "base/log.h"
#include "engine/container_live.h"
#include "engine/container_service.h"

namespace berth::engine {
namespace {

constexpr int64_t kFirstBackoffMs = 100;
constexpr int64_t kMaxBackoffMs = 60'000;
// A run this long counts as a success: the next backoff starts over.
constexpr int64_t kResetAfterNs = 10'000'000'000;

}  // namespace

bool ContainerService::ScheduleRestart(ContainerRecord& rec) {
  auto policy = ParseRestartPolicy(rec.host_config);
  if (!policy || policy->IsNone() || closing_) return false;
  const ContainerState& st = rec.state;
  // The user's stop or kill (remembered in the record) ends every policy
  // until the next start.
  bool restart = false;
  if (!st.manual_stop) {
    if (policy->name == "always" || policy->name == "unless-stopped") {
      restart = true;
    } else if (policy->name == "on-failure") {
      int64_t max = policy->maximum_retry_count;
      restart = st.exit_code != 0 && (max == 0 || st.restart_count < max);
    }
  }
  int64_t ran_ns = ParseRfc3339Nanos(st.finished_at) - ParseRfc3339Nanos(st.started_at);
  int64_t delay_ms;
  uint64_t generation;
  {
    std::lock_guard lock(mu_);
    RestartState& rs = restarts_[rec.id];
    if (ran_ns >= kResetAfterNs) rs.backoff_ms = 0;
    if (!restart) return false;
    rs.backoff_ms =
        rs.backoff_ms == 0 ? kFirstBackoffMs : std::min(rs.backoff_ms * 2, kMaxBackoffMs);
    delay_ms = rs.backoff_ms;
    generation = ++rs.generation;
  }
  rec.state.restart_count++;
  rec.state.status = ContainerStatus::kRestarting;
  if (auto s = store_.SetState(rec.id, rec.state); !s) {
    log::Warn("container {}: record its restart: {}", rec.id, s.error().What());
    return false;
  }
  std::string id = rec.id;
  std::thread([this, id, generation, delay_ms] {
    RestartAfter(id, generation, delay_ms);
  }).detach();
  return true;
}

void ContainerService::RestartAfter(const std::string& id, uint64_t generation, int64_t delay_ms) {
  auto current = [&] {
    auto it = restarts_.find(id);
    return it != restarts_.end() && it->second.generation == generation;
  };
  {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(delay_ms), [&] { return closing_ || !current(); });
    if (closing_ || !current()) return;
  }
  auto l = LockContainer(id);
  if (!l) {
    // Removed meanwhile.
    std::lock_guard lock(mu_);
    if (current()) restarts_.erase(id);
    return;
  }
  {
    std::lock_guard lock(mu_);
    // Cancelled while this waited for the container's lock.
    if (!current() || l->rec.state.status != ContainerStatus::kRestarting) return;
    restarts_[id].by_policy = true;
  }
  Status s = StartLocked(l->rec);
  {
    std::lock_guard lock(mu_);
    if (auto it = restarts_.find(id); it != restarts_.end()) it->second.by_policy = false;
  }
  if (!s) {
    // As dockerd: a restart that cannot start leaves the container exited,
    // with the cause in State.Error, and no further restarts.
    log::Warn("container {}: restart: {}", id, s.error().What());
    if (auto cur = store_.Get(id);
        cur && *cur && (*cur)->state.status == ContainerStatus::kRestarting) {
      ContainerState st = (*cur)->state;
      st.status = ContainerStatus::kExited;
      (void)store_.SetState(id, st);
    }
  }
}

void ContainerService::CancelRestart(const std::string& id) {
  {
    std::lock_guard lock(mu_);
    auto it = restarts_.find(id);
    if (it == restarts_.end()) return;
    it->second.generation++;
  }
  cv_.notify_all();
}

Status ContainerService::EndRestarting(ContainerRecord& rec) {
  CancelRestart(rec.id);
  TRY(store_.SetManualStop(rec.id, true));
  rec.state.manual_stop = true;
  rec.state.status = ContainerStatus::kExited;
  TRY(store_.SetState(rec.id, rec.state));
  return Ok();
}

void ContainerService::AfterStart(const ContainerRecord& rec) {
  bool by_policy = false;
  {
    std::lock_guard lock(mu_);
    auto it = restarts_.find(rec.id);
    if (it != restarts_.end()) {
      by_policy = it->second.by_policy;
      if (!by_policy) {
        // A user's start: a pending restart is moot, the backoff starts over.
        it->second.generation++;
        it->second.backoff_ms = 0;
      }
    }
  }
  if (!by_policy && (rec.state.restart_count != 0 || rec.state.manual_stop)) {
    // Targeted writes: the container may already have exited (its monitor
    // writes the state), and this must not undo that.
    if (auto s = store_.SetManualStop(rec.id, false); !s)
      log::Warn("container {}: {}", rec.id, s.error().What());
    if (rec.state.restart_count != 0) {
      if (auto cur = store_.Get(rec.id); cur && *cur) {
        ContainerState st = (*cur)->state;
        if (st.started_at == rec.state.started_at) {
          st.restart_count = 0;
          (void)store_.SetState(rec.id, st);
        }
      }
    }
  }
  // A new run starts its health over (the log of earlier checks stays).
  ContainerRecord started = rec;
  if (started.state.health.is_object()) {
    started.state.health["Status"] = "starting";
    started.state.health["FailingStreak"] = 0;
  }
  StartHealthChecks(started);
}

void ContainerService::RestartOnBoot(const std::vector<ContainerRecord>& records) {
  for (const ContainerRecord& r : records) {
    auto policy = ParseRestartPolicy(r.host_config);
    if (!policy) continue;
    // A container the old daemon was about to restart is restarted too.
    bool wanted = policy->name == "always" ||
                  (policy->name == "unless-stopped" && !r.state.manual_stop) ||
                  (r.state.status == ContainerStatus::kRestarting && !r.state.manual_stop);
    if (!wanted || IsRunning(r.state)) continue;
    auto l = LockContainer(r.id);
    if (!l || IsRunning(l->rec.state)) continue;
    // As dockerd's start at boot: a fresh start (RestartCount and the
    // manual stop reset).
    if (auto s = StartLocked(l->rec); !s) {
      log::Warn("container {}: start after the daemon's restart: {}", r.id, s.error().What());
      if (l->rec.state.status == ContainerStatus::kRestarting) {
        ContainerState st = l->rec.state;
        if (auto cur = store_.Get(r.id); cur && *cur) st = (*cur)->state;
        st.status = ContainerStatus::kExited;
        (void)store_.SetState(r.id, st);
      }
    }
  }
}

}  // namespace berth::engine
