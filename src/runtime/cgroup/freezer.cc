#include "runtime/cgroup/freezer.h"

#include <fcntl.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "base/fs.h"

namespace berth::runtime::cgroup {
namespace {

constexpr int kWaitMs = 10000;

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

int64_t NowMs() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1000000;
}

Status RequireFreezer(const Placement& p) {
  if (p.freezer_dir.empty()) return Fail("cgroup: no freezer for this container's cgroup");
  return Ok();
}

// v1: FREEZING means some task has not stopped yet (one that is forking, or
// in an uninterruptible sleep). The kernel keeps trying; re-writing FROZEN
// nudges it, and a brief thaw lets a racing fork finish before the next
// attempt (new tasks keep appearing otherwise).
Status FreezeV1(const std::string& dir) {
  std::string file = dir + "/freezer.state";
  int64_t deadline = NowMs() + kWaitMs;
  for (int i = 0;; ++i) {
    if (i % 50 == 49) {
      (void)WriteExisting(file, "THAWED");
      ::usleep(10000);
    }
    TRY_CTX(WriteExisting(file, "FROZEN"), "cgroup freezer");
    auto state = TRY_CTX(ReadFile(file), "cgroup freezer");
    state = Trim(state);
    if (state == "FROZEN") return Ok();
    if (state != "FREEZING")
      return Fail("cgroup freezer: unexpected state {:?} in {}", state, file);
    if (NowMs() > deadline) return Fail("cgroup freezer: {} is still FREEZING after 10s", dir);
    if (i % 25 == 24) ::usleep(1000);
  }
}

// v2: after "1" goes into cgroup.freeze the kernel freezes the tasks
// asynchronously and reports it in cgroup.events, which is pollable
// (POLLPRI) for changes.
Status FreezeV2(const std::string& dir) {
  TRY_CTX(WriteExisting(dir + "/cgroup.freeze", "1"), "cgroup freeze");
  std::string events = dir + "/cgroup.events";
  UniqueFd fd(::open(events.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return FailErrno("cgroup freeze: open {}", events);
  int64_t deadline = NowMs() + kWaitMs;
  for (;;) {
    char buf[512];
    ssize_t n = ::pread(fd.get(), buf, sizeof buf - 1, 0);
    if (n < 0) return FailErrno("cgroup freeze: read {}", events);
    if (FrozenKey(std::string(buf, static_cast<size_t>(n))) == 1) return Ok();
    int64_t left = deadline - NowMs();
    if (left <= 0) return Fail("cgroup freeze: {} did not report frozen within 10s", dir);
    pollfd p{fd.get(), POLLPRI, 0};
    // A short cap: a change between the read and the poll is not missed
    // for long even if its notification was.
    ::poll(&p, 1, static_cast<int>(left < 10 ? left : 10));
  }
}

}  // namespace

int FrozenKey(const std::string& text) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    if (line.starts_with("frozen ")) return std::atoi(line.c_str() + 7);
    pos = end + 1;
  }
  return -1;
}

Status Freeze(const Placement& p) {
  TRY(RequireFreezer(p));
  Status st = p.mode == Mode::kV2 ? FreezeV2(p.freezer_dir) : FreezeV1(p.freezer_dir);
  // Half frozen is the worst state to leave a container in.
  if (!st) (void)Thaw(p);
  return st;
}

Status Thaw(const Placement& p) {
  TRY(RequireFreezer(p));
  if (p.mode == Mode::kV2) {
    TRY_CTX(WriteExisting(p.freezer_dir + "/cgroup.freeze", "0"), "cgroup freeze");
  } else {
    TRY_CTX(WriteExisting(p.freezer_dir + "/freezer.state", "THAWED"), "cgroup freezer");
  }
  return Ok();
}

bool IsFrozen(const Placement& p) {
  if (p.freezer_dir.empty()) return false;
  if (p.mode == Mode::kV2) {
    auto v = ReadFile(p.freezer_dir + "/cgroup.freeze");
    return v && v->starts_with("1");
  }
  // FREEZING counts: a pause is under way or stuck, and the processes are
  // (partly) stopped. A cgroup frozen only through an ancestor is not paused.
  auto v = ReadFile(p.freezer_dir + "/freezer.state");
  if (!v || v->starts_with("THAWED")) return false;
  auto self = ReadFile(p.freezer_dir + "/freezer.self_freezing");
  return !self || !self->starts_with("0");
}

}  // namespace berth::runtime::cgroup
