// events: a container's stats and OOM notifications as runc prints them.
//
// The stream waits on three fds: a pidfd of the init (readable once it
// exits: the container has stopped and the stream ends), a timerfd (a stats
// event every interval) and an OOM notifier. cgroup v1 notifies OOM through
// an eventfd registered on memory.oom_control via cgroup.event_control;
// cgroup v2 has no such interface, so inotify watches memory.events, whose
// oom_kill count goes up when the OOM killer acts in the cgroup.
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>

#include "base/fs.h"
#include "base/log.h"
#include "runtime/cgroup/stats.h"
#include "runtime/runtime.h"
#include "sys/syscalls.h"

namespace berth::runtime {
namespace {

using nlohmann::ordered_json;

ordered_json Event(const char* type, const std::string& id) {
  ordered_json e;
  e["type"] = type;
  e["id"] = id;
  return e;
}

Result<ContainerRecord> LoadActive(const RuntimeOptions& ro, const std::string& id) {
  auto rec = TRY(LoadRecord(ro.root, id));
  if (CurrentStatus(rec) == spec::Status::kStopped)
    return FailAs(ESRCH, "container {} is not running", id);
  if (!rec.has_cgroup)
    return Fail("container {} has no cgroup of its own: there are no stats to read", id);
  return rec;
}

// Reports OOM kills in one cgroup; fd() is -1 when there is no memory
// controller to watch.
class OomWatch {
 public:
  static Result<OomWatch> Open(const cgroup::Placement& p) {
    OomWatch w;
    auto layout = TRY(cgroup::DetectLayout());
    std::string dir = cgroup::ControllerDir(p, layout, "memory");
    if (dir.empty()) return w;
    w.v2_ = p.mode == cgroup::Mode::kV2;
    if (w.v2_) {
      w.events_ = dir + "/memory.events";
      w.fd_.Reset(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
      if (!w.fd_) return FailErrno("inotify_init1");
      if (::inotify_add_watch(w.fd_.get(), w.events_.c_str(), IN_MODIFY) < 0) {
        if (errno == ENOENT) return OomWatch();  // memory controller not enabled here
        return FailErrno("watch {}", w.events_);
      }
      w.last_kills_ = w.OomKills();
      return w;
    }
    w.control_ = dir + "/cgroup.event_control";
    w.oom_control_.Reset(::open((dir + "/memory.oom_control").c_str(), O_RDONLY | O_CLOEXEC));
    if (!w.oom_control_) {
      if (errno == ENOENT) return OomWatch();
      return FailErrno("open {}/memory.oom_control", dir);
    }
    w.fd_.Reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!w.fd_) return FailErrno("eventfd");
    TRY_CTX(WriteExisting(w.control_, fmt::format("{} {}", w.fd_.get(), w.oom_control_.get())),
            "register for OOM notifications");
    return w;
  }

  int fd() const { return fd_.get(); }

  // Consumes pending notifications; true if they include an OOM kill.
  bool Take() {
    if (!fd_) return false;
    if (v2_) {
      char buf[4096];
      while (::read(fd_.get(), buf, sizeof buf) > 0) {
      }
      uint64_t kills = OomKills();
      bool more = kills > last_kills_;
      last_kills_ = std::max(kills, last_kills_);
      return more;
    }
    uint64_t n = 0;
    if (::read(fd_.get(), &n, sizeof n) != sizeof n) return false;
    // The eventfd also fires when the cgroup is removed: not an OOM.
    struct stat st;
    if (::stat(control_.c_str(), &st) != 0) {
      fd_.Reset();
      return false;
    }
    return true;
  }

 private:
  uint64_t OomKills() const {
    auto text = ReadFile(events_);
    if (!text) return last_kills_;
    auto kv = cgroup::ParseKeyValues(*text);
    return kv && kv->contains("oom_kill") ? kv->at("oom_kill") : last_kills_;
  }

  bool v2_ = false;
  UniqueFd fd_, oom_control_;
  std::string control_, events_;
  uint64_t last_kills_ = 0;
};

}  // namespace

Result<std::chrono::nanoseconds> ParseDuration(const std::string& text) {
  // Go's time.ParseDuration: [-+]? then (number unit)+, or a bare "0".
  std::string_view s = text;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return Fail("invalid duration {:?}", text);
  double total = 0;
  while (!s.empty()) {
    size_t i = 0;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    if (i == 0 || s.substr(0, i) == ".") return Fail("invalid duration {:?}", text);
    double v = std::strtod(std::string(s.substr(0, i)).c_str(), nullptr);
    s.remove_prefix(i);
    size_t u = 0;
    while (u < s.size() && !std::isdigit(static_cast<unsigned char>(s[u])) && s[u] != '.') ++u;
    std::string_view unit = s.substr(0, u);
    s.remove_prefix(u);
    double scale;
    if (unit == "ns")
      scale = 1;
    else if (unit == "us" || unit == "\u00b5s" || unit == "\u03bcs")
      scale = 1e3;
    else if (unit == "ms")
      scale = 1e6;
    else if (unit == "s")
      scale = 1e9;
    else if (unit == "m")
      scale = 60e9;
    else if (unit == "h")
      scale = 3600e9;
    else if (unit.empty())
      return Fail("invalid duration {:?}: missing unit", text);
    else
      return Fail("invalid duration {:?}: unknown unit {:?}", text, std::string(unit));
    total += v * scale;
  }
  if (total > 9.2e18) return Fail("invalid duration {:?}: out of range", text);
  auto ns = static_cast<int64_t>(std::llround(total));
  return std::chrono::nanoseconds(neg ? -ns : ns);
}

Result<ordered_json> StatsEvent(const RuntimeOptions& ro, const std::string& id) {
  auto rec = TRY(LoadActive(ro, id));
  auto stats = TRY_CTX(cgroup::ReadStats(rec.cgroup), "container {}: stats", id);
  auto e = Event("stats", id);
  e["data"] = cgroup::StatsToJson(stats);
  return e;
}

Status Events(const RuntimeOptions& ro, const std::string& id, std::chrono::nanoseconds interval,
              const std::function<void(const ordered_json&)>& emit) {
  if (interval.count() <= 0) return Fail("events: the interval must be greater than 0");
  auto rec = TRY(LoadActive(ro, id));

  // The init, held by a pidfd that is checked to be the recorded process.
  UniqueFd pidfd(sys::PidfdOpen(rec.pid));
  if (!pidfd || PidStartTime(rec.pid) != rec.pid_start_time)
    return FailAs(ESRCH, "container {} is not running", id);
  auto oom = TRY_CTX(OomWatch::Open(rec.cgroup), "container {}", id);

  UniqueFd timer(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC));
  if (!timer) return FailErrno("timerfd_create");
  itimerspec its{};
  its.it_interval.tv_sec = interval.count() / 1000000000;
  its.it_interval.tv_nsec = interval.count() % 1000000000;
  its.it_value = its.it_interval;
  if (::timerfd_settime(timer.get(), 0, &its, nullptr) != 0) return FailErrno("timerfd_settime");

  for (;;) {
    pollfd fds[3] = {{pidfd.get(), POLLIN, 0}, {timer.get(), POLLIN, 0}, {oom.fd(), POLLIN, 0}};
    if (::poll(fds, oom.fd() >= 0 ? 3 : 2, -1) < 0) {
      if (errno == EINTR) continue;
      return FailErrno("poll");
    }
    if (oom.fd() >= 0 && fds[2].revents && oom.Take()) emit(Event("oom", id));
    if (fds[1].revents) {
      uint64_t ticks;
      (void)!::read(timer.get(), &ticks, sizeof ticks);
      // As runc: a failed read is logged and the stream goes on.
      if (auto stats = cgroup::ReadStats(rec.cgroup)) {
        auto e = Event("stats", id);
        e["data"] = cgroup::StatsToJson(*stats);
        emit(e);
      } else {
        log::Warn("container {}: stats: {}", id, stats.error().What());
      }
    }
    if (fds[0].revents) {
      // The init is gone: report an OOM kill that ended it, then stop.
      if (oom.Take()) emit(Event("oom", id));
      return Ok();
    }
  }
}

}  // namespace berth::runtime
