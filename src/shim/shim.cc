// Launch, step by step: the caller forks the shim and reads one report line
// from it ("ok PID" or the error); the shim sets itself up, creates and
// starts the container with its stdio on pipes (or a pty), reports, and
// serves. A failing step undoes the ones before it, so a failed launch
// leaves nothing behind.
#include "shim/shim.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>

#include "base/clock.h"
#include "base/fs.h"
#include "base/log.h"
#include "runtime/console_proxy.h"
#include "runtime/runtime.h"
#include "shim/shim_server.h"
#include "sys/syscalls.h"

namespace berth::shim {
namespace {

Result<std::string> Absolute(const std::string& path) {
  if (path.empty() || path[0] == '/') return CleanPath(path);
  char cwd[PATH_MAX];
  if (::getcwd(cwd, sizeof cwd) == nullptr) return FailErrno("getcwd");
  return JoinPath(cwd, path);
}

// Everything the shim made so far, undone unless the launch succeeded.
struct Undo {
  const ShimOptions* o = nullptr;
  bool made_state_dir = false;
  bool made_log = false;
  std::string socket, pid_file;
  bool container = false;
  bool committed = false;
  ~Undo() {
    if (committed) return;
    if (container) (void)runtime::Delete({.root = o->runtime_root}, o->id, true);
    if (!socket.empty()) ::unlink(socket.c_str());
    if (!pid_file.empty()) ::unlink(pid_file.c_str());
    if (made_log) ::unlink(o->log.path.c_str());
    if (made_state_dir) ::rmdir(o->state_dir.c_str());
  }
};

Result<UniqueFd> Listen(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return Fail("socket path {} is too long", path);
  path.copy(addr.sun_path, path.size());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return FailErrno("socket");
  // A live shim answers on it: two shims must never share a state dir.
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0)
    return Fail("{}: another shim is serving it", path);
  fd.Reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return FailErrno("socket");
  ::unlink(path.c_str());  // a stale socket of a shim that is gone
  // 0600 from the start: no window in which others could connect.
  mode_t old = ::umask(0177);
  int rc = ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::umask(old);
  if (rc != 0) return FailErrno("bind {}", path);
  if (::listen(fd.get(), 64) != 0) return FailErrno("listen {}", path);
  return fd;
}

Result<std::pair<UniqueFd, UniqueFd>> Pipe() {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return FailErrno("pipe");
  return std::pair{UniqueFd(p[0]), UniqueFd(p[1])};
}

Status SetNonBlocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) return FailErrno("fcntl");
  return Ok();
}

// Points fds 0, 1 and 2 at `fds` (the container inherits them from the
// runtime's create) without close-on-exec.
Status SetStdio(int in, int out, int err) {
  if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0)
    return FailErrno("set up the container's stdio");
  return Ok();
}

// The shim's side of the launch, in the forked process. On success the
// container runs and `c` holds what Serve needs.
Status SetUp(const ShimOptions& o, Undo& undo, RunningContainer& c) {
  // A session of its own: no terminal, no signals meant for the caller's
  // process group; "/" as cwd so it pins no mount.
  if (::setsid() < 0) return FailErrno("setsid");
  if (::chdir("/") != 0) return FailErrno("chdir /");
  // The init and orphans of the container are reparented to us (the
  // runtime's stage 1 exits after forking the init), so we can reap them.
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) return FailErrno("set child subreaper");
  // SIGCHLD through a signalfd; SIGPIPE never kills the shim (a client or
  // the container may close its end any time). Blocked, not ignored: the
  // container's init resets the mask but would inherit ignored signals.
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  sigaddset(&mask, SIGPIPE);
  if (::sigprocmask(SIG_BLOCK, &mask, nullptr) != 0) return FailErrno("sigprocmask");
  sigdelset(&mask, SIGPIPE);
  c.signal_fd.Reset(::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!c.signal_fd) return FailErrno("signalfd");

  // The state dir and its socket, before the container exists: a clash
  // with another shim is found before anything runs.
  struct stat st;
  if (::stat(o.state_dir.c_str(), &st) != 0) {
    TRY(MkdirAll(o.state_dir, 0700));
    undo.made_state_dir = true;
  }
  std::string sock = o.state_dir + "/shim.sock";
  c.listener = TRY(Listen(sock));
  undo.socket = sock;

  if (!o.log.path.empty()) {
    undo.made_log = ::access(o.log.path.c_str(), F_OK) != 0;
    c.log = TRY(JsonFileLog::Open(o.log));
  }

  // The container's stdio: pipes (stdout, stderr, and stdin or /dev/null),
  // or a pty whose master the init sends over a socketpair.
  UniqueFd null_fd(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!null_fd) return FailErrno("open /dev/null");
  runtime::CreateOptions co{.id = o.id, .bundle = o.bundle};
  UniqueFd console_ours, console_theirs, in_r, out_w, err_w;
  if (o.tty) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
      return FailErrno("socketpair");
    console_ours.Reset(sv[0]);
    console_theirs.Reset(sv[1]);
    co.console_fd = sv[1];
    TRY(SetStdio(null_fd.get(), null_fd.get(), null_fd.get()));
  } else {
    auto [out_r, ow] = TRY(Pipe());
    auto [err_r, ew] = TRY(Pipe());
    c.out = std::move(out_r);
    c.err = std::move(err_r);
    out_w = std::move(ow);
    err_w = std::move(ew);
    if (o.open_stdin) {
      auto [ir, in_w] = TRY(Pipe());
      in_r = std::move(ir);
      c.in = std::move(in_w);
    }
    TRY(SetStdio(in_r ? in_r.get() : null_fd.get(), out_w.get(), err_w.get()));
  }

  // Create and start: the runtime leaves nothing behind if create fails.
  runtime::RuntimeOptions ro{.root = o.runtime_root};
  auto pid = runtime::Create(ro, co);
  // Our stdio back to /dev/null: the container holds its ends now, and
  // the shim must not keep the caller's (or its own pipes') fds open.
  (void)SetStdio(null_fd.get(), null_fd.get(), null_fd.get());
  in_r.Reset();
  out_w.Reset();
  err_w.Reset();
  console_theirs.Reset();
  if (!pid) return std::unexpected(pid.error());
  undo.container = true;
  if (o.tty) {
    c.out = TRY(runtime::TakePtyMaster(console_ours.get()));
    if (!c.out)
      return Fail("container {}: --tty, but config.json has process.terminal false", o.id);
    if (o.open_stdin) {
      c.in.Reset(::fcntl(c.out.get(), F_DUPFD_CLOEXEC, 3));
      if (!c.in) return FailErrno("dup the pty master");
    }
  }
  TRY(runtime::Start(ro, o.id));
  c.started_at = NowRfc3339Nano();
  for (int fd : {c.out.get(), c.err.get(), c.in.get()})
    if (fd >= 0) TRY(SetNonBlocking(fd));

  // An exit.json of an earlier run of this state dir is stale now (kept
  // until here, so that a failed relaunch loses no record).
  ::unlink((o.state_dir + "/exit.json").c_str());
  std::string pid_file = o.state_dir + "/shim.pid";
  TRY(WriteFileAtomic(pid_file, std::to_string(::getpid()) + "\n", 0600));
  undo.pid_file = pid_file;

  c.ro = ro;
  c.id = o.id;
  c.state_dir = o.state_dir;
  c.pid = *pid;
  c.tty = o.tty;
  c.attach_wait_ms = o.attach_wait_ms;
  return Ok();
}

}  // namespace

Result<int> Launch(const ShimOptions& given) {
  ShimOptions o = given;
  // Paths are kept absolute: the shim leaves the caller's cwd.
  o.bundle = TRY(Absolute(o.bundle));
  o.state_dir = TRY(Absolute(o.state_dir));
  o.runtime_root = TRY(Absolute(o.runtime_root));
  if (!o.log.path.empty()) o.log.path = TRY(Absolute(o.log.path));

  // fds 0-2 must be taken (by /dev/null, if the caller closed them), or the
  // report pipe could land there and be replaced by the container's stdio.
  int null_fd;
  while ((null_fd = ::open("/dev/null", O_RDWR)) >= 0 && null_fd <= 2) {
  }
  if (null_fd > 2) ::close(null_fd);
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return FailErrno("pipe");
  UniqueFd report_r(report[0]), report_w(report[1]);
  pid_t child = ::fork();
  if (child < 0) return FailErrno("fork");

  if (child > 0) {
    // The caller: one line from the shim says how the launch went. End of
    // file without one means the shim died.
    report_w.Reset();
    std::string line;
    char buf[512];
    ssize_t n;
    while ((n = ::read(report_r.get(), buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
      if (n > 0) line.append(buf, static_cast<size_t>(n));
    if (line.starts_with("ok ")) return child;
    // A failed shim is gone before the caller hears of it, so that nothing
    // of the launch outlives the error.
    ::waitpid(child, nullptr, 0);
    if (line.starts_with("error ")) return Fail("{}", line.substr(6));
    return Fail("container {}: the shim exited during launch", o.id);
  }

  // The shim. It keeps none of the caller's fds (berthd's sockets, a
  // caller's pipe that would never see end of file) but its report pipe.
  report_r.Reset();
  int keep = report_w.get();
  if (keep > 3) ::close_range(3, static_cast<unsigned>(keep - 1), 0);
  ::close_range(static_cast<unsigned>(keep + 1), ~0U, 0);
  int status;
  {
    Undo undo{.o = &o};
    RunningContainer c;
    auto st = SetUp(o, undo, c);
    if (!st) {
      // The caller waits for this process to end, so the undo (at the end
      // of this scope) is complete before it hears of the error.
      std::string line = "error " + st.error().What();
      (void)sys::WriteAll(report_w.get(), line.data(), line.size());
      status = 1;
    } else {
      undo.committed = true;
      std::string line = "ok " + std::to_string(::getpid());
      (void)sys::WriteAll(report_w.get(), line.data(), line.size());
      report_w.Reset();
      status = Serve(std::move(c));
    }
  }
  ::_exit(status);
}

}  // namespace berth::shim
