// Health checks, as dockerd runs them: per running container with a check
// (its Config.Healthcheck merged over the image's HEALTHCHECK), a thread
// that waits Interval, runs the test through the exec machinery (so the
// exec_create / exec_start / exec_die events come as dockerd's do), kills
// it after Timeout (exit -1, "Health check exceeded timeout (30s)"), and
// keeps State.Health: Status "starting" until the first success or until
// Retries failures in a row past StartPeriod make it "unhealthy"; the
// last five results in Log, each with at most 4 KiB of output. A change of
// status is a "health_status: healthy|unhealthy" event. The checker stops
// with the container.
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <fmt/core.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/unique_fd.h"
#include "engine/container_live.h"
#include "engine/container_service.h"

namespace berth::engine {
namespace {

using nlohmann::json;

constexpr size_t kMaxOutput = 4096;  // dockerd's maxOutputLen
constexpr size_t kMaxLogEntries = 5;

// Every checker run gets a number of its own; a container's entry in
// health_runs_ names the run that may go on.
std::atomic<uint64_t> g_health_runs{0};

int64_t NowNs() {
  timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// A duration as Go prints it ("200ms", "30s", "1m30s"), for dockerd's
// timeout message.
std::string GoDuration(int64_t ns) {
  if (ns < 1'000'000'000) {
    if (ns % 1'000'000 == 0) return fmt::format("{}ms", ns / 1'000'000);
    return fmt::format("{}µs", ns / 1000);
  }
  std::string out;
  int64_t h = ns / 3'600'000'000'000, m = ns / 60'000'000'000 % 60;
  if (h) out += fmt::format("{}h", h);
  if (h || m) out += fmt::format("{}m", m);
  int64_t rest = ns % 60'000'000'000;
  std::string secs = fmt::format("{}.{:09}", rest / 1'000'000'000, rest % 1'000'000'000);
  while (secs.back() == '0') secs.pop_back();
  if (secs.back() == '.') secs.pop_back();
  return out + secs + "s";
}

// Takes docker's 8-byte frames off `buf` into `out` (at most kMaxOutput).
void TakeFrames(std::string* buf, std::string* out) {
  while (buf->size() >= 8) {
    size_t len = (static_cast<uint8_t>((*buf)[4]) << 24) | (static_cast<uint8_t>((*buf)[5]) << 16) |
                 (static_cast<uint8_t>((*buf)[6]) << 8) | static_cast<uint8_t>((*buf)[7]);
    if (buf->size() < 8 + len) return;
    if (out->size() < kMaxOutput)
      out->append(buf->substr(8, std::min(len, kMaxOutput - out->size())));
    buf->erase(0, 8 + len);
  }
}

}  // namespace

void ContainerService::StartHealthChecks(const ContainerRecord& rec) {
  auto config = ParseContainerConfig(rec.config);
  if (!config) return;
  json image_config = json::object();
  if (auto image_id = image::ParseDigest(rec.image_id))
    if (auto image = images_.Details(*image_id)) image_config = image->config.config;
  HealthConfig hc = MergeHealthConfig(config->healthcheck, image_config);
  if (!HasHealthcheck(hc)) return;
  json health = rec.state.health.is_object()
                    ? rec.state.health
                    : json{{"Status", "starting"}, {"FailingStreak", 0}, {"Log", json::array()}};
  if (auto s = store_.SetHealth(rec.id, health); !s) {
    log::Warn("container {}: health: {}", rec.id, s.error().What());
    return;
  }
  uint64_t run = ++g_health_runs;
  {
    std::lock_guard lock(mu_);
    health_runs_[rec.id] = run;
  }
  std::string id = rec.id;
  int64_t started_ns = ParseRfc3339Nanos(rec.state.started_at);
  std::thread([this, id, run, hc, started_ns] { HealthLoop(id, run, hc, started_ns); }).detach();
}

void ContainerService::StopHealthChecks(const std::string& id) {
  {
    std::lock_guard lock(mu_);
    if (health_runs_.erase(id) == 0) return;
  }
  cv_.notify_all();
}

void ContainerService::HealthLoop(const std::string& id, uint64_t run, HealthConfig hc,
                                  int64_t started_ns) {
  if (hc.interval == 0) hc.interval = kDefaultProbeInterval;
  if (hc.timeout == 0) hc.timeout = kDefaultProbeTimeout;
  int64_t retries = hc.retries > 0 ? hc.retries : kDefaultProbeRetries;
  auto current = [&] {
    auto it = health_runs_.find(id);
    return it != health_runs_.end() && it->second == run;
  };
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::nanoseconds(hc.interval),
                   [&] { return closing_ || !current(); });
      if (closing_ || !current()) return;
    }
    json result = RunHealthProbe(id, hc);
    if (result.is_null()) {
      // Not run: paused (the next interval tries again), or no longer
      // running (the checker ends).
      auto rec = store_.Get(id);
      if (!rec || !*rec || !IsRunning((*rec)->state)) return;
      continue;
    }
    {
      std::lock_guard lock(mu_);
      if (closing_ || !current()) return;  // stopped meanwhile: the result is moot
    }
    auto rec = store_.Get(id);
    if (!rec || !*rec) return;
    json health = (*rec)->state.health.is_object()
                      ? (*rec)->state.health
                      : json{{"Status", "starting"}, {"FailingStreak", 0}};
    std::string old_status = health.value("Status", "starting");
    json log = health.contains("Log") && health["Log"].is_array() ? health["Log"] : json::array();
    log.push_back(result);
    while (log.size() > kMaxLogEntries) log.erase(log.begin());
    health["Log"] = log;
    int64_t streak = health.value("FailingStreak", int64_t{0});
    if (result["ExitCode"] == 0) {
      streak = 0;
      health["Status"] = "healthy";
    } else {
      // Failures while it is still starting, within the start period, do
      // not count.
      bool counts = true;
      if (old_status == "starting" &&
          ParseRfc3339Nanos(result["Start"].get<std::string>()) - started_ns < hc.start_period)
        counts = false;
      if (counts && ++streak >= retries) health["Status"] = "unhealthy";
    }
    health["FailingStreak"] = streak;
    if (auto s = store_.SetHealth(id, health); !s) return;
    std::string status = health["Status"].get<std::string>();
    if (status != old_status) Emit(**rec, "health_status: " + status);
  }
}

json ContainerService::RunHealthProbe(const std::string& id, const HealthConfig& hc) {
  ExecConfig ec;
  ec.cmd = HealthCommand(hc);
  ec.attach_stdout = ec.attach_stderr = true;
  std::string start = NowRfc3339Nano();
  auto exec_id = ExecCreate(id, ec);
  if (!exec_id) return nullptr;
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return nullptr;
  UniqueFd ours(sv[0]);
  // The exec relays its output to its end of the pair as to a client.
  std::thread runner([this, exec = *exec_id, theirs = sv[1]] {
    if (auto s = ExecStart(exec, false, theirs, ""); !s)
      log::Warn("health check {}: {}", exec, s.error().What());
    ::close(theirs);
  });
  std::string buf, output;
  int64_t deadline = NowNs() + hc.timeout;
  bool timed_out = false;
  for (;;) {
    int64_t left_ms = (deadline - NowNs()) / 1'000'000;
    if (timed_out) left_ms = 5000;  // killed: its end comes soon
    if (left_ms <= 0 && !timed_out) {
      // Too slow: dockerd kills the probe and records exit -1.
      timed_out = true;
      if (auto info = ExecInspect(*exec_id); info && info->pid > 0)
        (void)::kill(static_cast<pid_t>(info->pid), SIGKILL);
      continue;
    }
    pollfd p{ours.get(), POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left_ms, 1000)));
    if (n < 0 && errno != EINTR) break;
    if (n <= 0) {
      if (timed_out && NowNs() > deadline + 5'000'000'000) break;
      continue;
    }
    char chunk[4096];
    ssize_t r = ::read(ours.get(), chunk, sizeof chunk);
    if (r <= 0) break;
    buf.append(chunk, static_cast<size_t>(r));
    TakeFrames(&buf, &output);
  }
  ours.Reset();  // a relay still writing sees its client gone
  runner.join();
  int64_t exit_code = -1;
  if (auto info = ExecInspect(*exec_id); info && info->exit_code) exit_code = *info->exit_code;
  {
    // dockerd forgets a check's exec once it ended.
    std::lock_guard lock(mu_);
    execs_.erase(*exec_id);
  }
  if (timed_out) {
    exit_code = -1;
    output = fmt::format("Health check exceeded timeout ({})", GoDuration(hc.timeout));
  }
  return json{
      {"Start", start}, {"End", NowRfc3339Nano()}, {"ExitCode", exit_code}, {"Output", output}};
}

}  // namespace berth::engine
