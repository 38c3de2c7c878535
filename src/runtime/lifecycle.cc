// start, state, kill, delete, list and run: the verbs that act on an
// existing container's record.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "base/fs.h"
#include "base/log.h"
#include "runtime/cgroup/freezer.h"
#include "runtime/console_proxy.h"
#include "runtime/hooks.h"
#include "runtime/lifecycle_internal.h"
#include "runtime/runtime.h"
#include "runtime/seccomp_notify.h"
#include "spec/runtime_spec.h"
#include "sys/syscalls.h"

namespace berth::runtime {
namespace {

std::string StateJson(const ContainerRecord& rec, spec::Status status) {
  spec::State st = ToState(rec);
  st.status = status;
  st.pid = status == spec::Status::kStopped ? 0 : rec.pid;
  return spec::StateToJson(st).dump();
}

std::vector<spec::Hook> HooksOf(const ContainerRecord& rec, const char* stage) {
  auto cfg = spec::ConfigFromJson(rec.config);
  if (!cfg) return {};
  std::string s = stage;
  if (s == "poststart") return cfg->hooks.poststart;
  if (s == "poststop") return cfg->hooks.poststop;
  return {};
}

Result<ContainerRecord> LoadLocked(const RuntimeOptions& ro, const std::string& id,
                                   UniqueFd* lock) {
  auto rec = TRY(LoadRecord(ro.root, id));
  *lock = TRY(LockContainer(rec.dir));
  return LoadRecord(ro.root, id);  // re-read under the lock
}

}  // namespace

void KillAndWait(pid_t pid) {
  int fd = sys::PidfdOpen(pid);
  if (fd < 0) return;
  sys::PidfdSendSignal(fd, SIGKILL);
  pollfd p{fd, POLLIN, 0};
  ::poll(&p, 1, 10000);
  ::waitpid(pid, nullptr, WNOHANG);
  ::close(fd);
}

Status SignalInit(const ContainerRecord& rec, int sig) {
  UniqueFd fd(sys::PidfdOpen(rec.pid));
  // Opened first, checked second: if the start time still matches, the
  // pidfd is the container's init and stays so.
  if (!fd || PidStartTime(rec.pid) != rec.pid_start_time)
    return FailAs(ESRCH, "container {} is not running", rec.id);
  if (sys::PidfdSendSignal(fd.get(), sig) != 0)
    return FailErrno("container {}: send signal {}", rec.id, sig);
  return Ok();
}

Status Destroy(const ContainerRecord& rec) {
  if (rec.has_cgroup) TRY(cgroup::Remove(rec.cgroup));
  // poststop hooks: a failure is logged, and the delete still completes.
  RunHooksWarnOnly("poststop", PlanHooks(HooksOf(rec, "poststop")),
                   StateJson(rec, spec::Status::kStopped), rec.id);
  return RemoveAll(rec.dir);
}

Status Start(const RuntimeOptions& ro, const std::string& id) {
  UniqueFd lock;
  auto rec = TRY(LoadLocked(ro, id, &lock));
  auto status = CurrentStatus(rec);
  if (status != spec::Status::kCreated)
    return Fail("container {} cannot be started: it is {}, not created", id,
                spec::StatusName(status));
  // The init holds the fifo open for reading; a non-blocking open for
  // writing fails with ENXIO only if it died.
  std::string fifo = FifoPath(rec.dir);
  UniqueFd fd(::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd) return FailErrno("container {}: open exec fifo", id);
  if (::unlink(fifo.c_str()) != 0) return FailErrno("container {}: remove exec fifo", id);
  if (::write(fd.get(), "0", 1) != 1) return FailErrno("container {}: start the init", id);
  // A seccomp notify filter: its listener goes to the agent now, before
  // the process runs (it blocks on its first notified call until then).
  if (::access((rec.dir + "/seccomp.sock").c_str(), F_OK) == 0) {
    const auto& sc = rec.config["linux"]["seccomp"];
    auto st =
        ForwardSeccompListener(rec, sc.value("listenerPath", ""), sc.value("listenerMetadata", ""),
                               nlohmann::json::parse(StateJson(rec, spec::Status::kRunning)));
    if (!st) {
      (void)SignalInit(rec, SIGKILL);
      return std::unexpected(std::move(st).error().Context(fmt::format("container {}", id)));
    }
  }
  // The init keeps the fifo open (close-on-exec) until it execs the user's
  // process: the reader going away shows as POLLERR on our end. Waiting for
  // it means poststart hooks really run after the process started.
  pollfd p{fd.get(), 0, 0};
  while (::poll(&p, 1, 30000) < 0 && errno == EINTR) {
  }
  // A config without a process can be created, but there is nothing to
  // start: the init exits, and start says so (runtime-spec "start").
  if (!rec.config.contains("process"))
    return Fail("container {} has no process to start (config.json sets none)", id);
  // The init died instead of exec'ing: it wrote why before it exited.
  if (auto why = ReadFile(rec.dir + "/start-error"); why && !why->empty())
    return Fail("container {} did not start: {}", id, *why);
  // poststart hooks: a failure is a warning; the container keeps running.
  RunHooksWarnOnly("poststart", PlanHooks(HooksOf(rec, "poststart")),
                   StateJson(rec, spec::Status::kRunning), id);
  return Ok();
}

Result<spec::State> State(const RuntimeOptions& ro, const std::string& id) {
  auto rec = TRY(LoadRecord(ro.root, id));
  return ToState(rec);
}

Status Kill(const RuntimeOptions& ro, const std::string& id, int sig, bool all) {
  auto rec = TRY(LoadRecord(ro.root, id));
  auto status = CurrentStatus(rec);
  if (status == spec::Status::kStopped) return FailAs(ESRCH, "container {} is not running", id);
  // A frozen process takes SIGKILL only once thawed (cgroup v1): as runc,
  // thaw a paused container after SIGKILL, and only then.
  bool thaw = status == spec::Status::kPaused && sig == SIGKILL;
  if (all && rec.has_cgroup) {
    for (pid_t pid : TRY(cgroup::Pids(rec.cgroup))) ::kill(pid, sig);
    if (thaw) TRY(cgroup::Thaw(rec.cgroup));
    return Ok();
  }
  TRY(SignalInit(rec, sig));
  if (thaw) TRY(cgroup::Thaw(rec.cgroup));
  return Ok();
}

Status Delete(const RuntimeOptions& ro, const std::string& id, bool force) {
  UniqueFd lock;
  auto rec = LoadLocked(ro, id, &lock);
  if (!rec) return std::unexpected(rec.error());
  auto status = CurrentStatus(*rec);
  if (status == spec::Status::kRunning || status == spec::Status::kPaused) {
    if (!force)
      return Fail("container {} cannot be deleted: it is {} (stop it first or use --force)", id,
                  spec::StatusName(status));
  }
  if (status != spec::Status::kStopped) {
    // A created container is deleted without --force, as runc does: its
    // init never ran anything of the user's.
    if (rec->has_cgroup) {
      // cgroup v2 (5.14+) kills the whole cgroup at once, frozen or not,
      // with no race against forks; elsewhere each process in turn.
      bool all_killed = rec->cgroup.mode == cgroup::Mode::kV2 && !rec->cgroup.procs_dir.empty() &&
                        WriteExisting(rec->cgroup.procs_dir + "/cgroup.kill", "1").has_value();
      if (auto pids = cgroup::Pids(rec->cgroup); pids && !all_killed)
        for (pid_t pid : *pids)
          if (pid != rec->pid) ::kill(pid, SIGKILL);
      // Paused: the SIGKILLs are pending in frozen tasks; thawing delivers
      // them (the init's first, so nothing of the container runs on).
      if (status == spec::Status::kPaused) {
        (void)SignalInit(*rec, SIGKILL);
        (void)cgroup::Thaw(rec->cgroup);
      }
    }
    if (PidStartTime(rec->pid) == rec->pid_start_time) KillAndWait(rec->pid);
  }
  return Destroy(*rec);
}

Result<std::vector<ContainerRecord>> List(const RuntimeOptions& ro) { return LoadAll(ro.root); }

Result<int> ParseSignal(const std::string& name) {
  if (!name.empty() && std::isdigit(static_cast<unsigned char>(name[0]))) {
    char* end = nullptr;
    long v = std::strtol(name.c_str(), &end, 10);
    if (*end == 0 && v > 0 && v < NSIG) return static_cast<int>(v);
    return Fail("invalid signal {:?}", name);
  }
  std::string n = name;
  for (auto& c : n) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (n.rfind("SIG", 0) == 0) n = n.substr(3);
  for (int s = 1; s < NSIG; ++s) {
    const char* abbrev = ::sigabbrev_np(s);
    if (abbrev && n == abbrev) return s;
  }
  if (n.rfind("RTMIN+", 0) == 0) return SIGRTMIN + std::atoi(n.c_str() + 6);
  if (n.rfind("RTMAX-", 0) == 0) return SIGRTMAX - std::atoi(n.c_str() + 6);
  return Fail("invalid signal {:?}", name);
}

Result<int> Run(const RuntimeOptions& ro, const CreateOptions& o, bool detach) {
  if (detach) {
    TRY(Create(ro, o));
    TRY(Start(ro, o.id));
    return 0;
  }
  // Foreground: become the subreaper, so the init (a grandchild, once
  // stage 1 exits) is ours to wait for; take signals synchronously to pass
  // them on. Without --console-socket, a terminal the process asks for is
  // ours to proxy.
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) return FailErrno("set child subreaper");
  CreateOptions opts = o;
  UniqueFd console_ours, console_theirs;
  if (opts.console_socket.empty()) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
      return FailErrno("socketpair");
    console_ours.Reset(sv[0]);
    console_theirs.Reset(sv[1]);
    opts.console_fd = sv[1];
  }
  sigset_t mask;
  sigfillset(&mask);
  for (int s : {SIGILL, SIGFPE, SIGSEGV, SIGBUS, SIGTRAP, SIGABRT, SIGKILL, SIGSTOP})
    sigdelset(&mask, s);
  sigset_t old;
  ::sigprocmask(SIG_BLOCK, &mask, &old);
  struct RestoreMask {
    sigset_t* old;
    ~RestoreMask() { ::sigprocmask(SIG_SETMASK, old, nullptr); }
  } restore{&old};

  auto pid = TRY(Create(ro, opts));
  console_theirs.Reset();
  UniqueFd master;
  if (console_ours) master = TRY(TakePtyMaster(console_ours.get()));
  if (auto st = Start(ro, o.id); !st) {
    (void)Delete(ro, o.id, true);
    return std::unexpected(st.error());
  }
  UniqueFd sfd(::signalfd(-1, &mask, SFD_CLOEXEC));
  if (!sfd) return FailErrno("signalfd");
  std::optional<RawStdin> raw;
  if (master) {
    raw.emplace();
    CopyWindowSize(master.get());
  }
  bool stdin_open = true;
  int code = -1;
  while (code < 0) {
    pollfd fds[3] = {{sfd.get(), POLLIN, 0}, {master.get(), POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
    nfds_t n = master ? (stdin_open ? 3 : 2) : 1;
    if (::poll(fds, n, -1) < 0 && errno != EINTR) return FailErrno("poll");
    if (master && (fds[1].revents || (n == 3 && fds[2].revents)) &&
        !PumpPty(master.get(), &stdin_open))
      master.Reset();
    if (!(fds[0].revents & POLLIN)) continue;
    signalfd_siginfo si;
    if (::read(sfd.get(), &si, sizeof si) != static_cast<ssize_t>(sizeof si)) continue;
    if (si.ssi_signo == SIGWINCH && master) {
      CopyWindowSize(master.get());
    } else if (si.ssi_signo != SIGCHLD) {
      ::kill(pid, static_cast<int>(si.ssi_signo));
    } else {
      // Reap everything that exited; stop when the init did.
      int status;
      pid_t r;
      while ((r = ::waitpid(-1, &status, WNOHANG)) > 0)
        if (r == pid) code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
  }
  // What the process wrote just before exiting is still in the pty.
  if (master) {
    bool closed = false;
    while (PumpPty(master.get(), &closed)) {
      pollfd p{master.get(), POLLIN, 0};
      if (::poll(&p, 1, 0) <= 0) break;
    }
  }
  TRY(Delete(ro, o.id, true));
  return code;
}

}  // namespace berth::runtime
