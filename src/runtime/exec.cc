// exec: a new process in a running container. The runtime forks a child
// that joins every namespace of the container's init at once (setns on a
// pidfd), then forks again so the process is inside the pid namespace too.
// The runtime moves that grandchild into the container's cgroups before
// letting it go on; it then takes the process spec's user, capabilities,
// rlimits, no_new_privs and seccomp filter, and execs.
//
// Between fork and exec nothing allocates: the plan (built from the
// container's config with the exec's process in place of its own) is
// ready-made, and failures go back over the sync socket as fixed messages.
#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <linux/close_range.h>
#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "base/fs.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/console_proxy.h"
#include "runtime/container_state.h"
#include "runtime/plan.h"
#include "runtime/process_setup.h"
#include "runtime/runtime.h"
#include "runtime/seccomp.h"
#include "runtime/sync.h"
#include "sys/syscalls.h"

namespace berth::runtime {
namespace {

char g_err[512];
char g_exe[4096];

#define EXEC_FAIL_IF(cond, ...)             \
  do {                                      \
    if (cond) ChildFail(sync, __VA_ARGS__); \
  } while (0)

// The pty for a terminal exec: its master goes to the console socket (as
// create does), its peer becomes the process's stdio and controlling tty.
int OpenConsole(const InitPlan& p, int sync) {
  int ptmx = ::open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  EXEC_FAIL_IF(ptmx < 0, "terminal: open /dev/pts/ptmx in the container");
  struct statfs sfs;
  EXEC_FAIL_IF(::fstatfs(ptmx, &sfs) != 0 || sfs.f_type != DEVPTS_SUPER_MAGIC,
               "terminal: /dev/pts/ptmx is not on devpts");
  int unlock = 0;
  EXEC_FAIL_IF(::ioctl(ptmx, TIOCSPTLCK, &unlock) != 0, "terminal: unlock pty");
  int peer = ::ioctl(ptmx, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  EXEC_FAIL_IF(peer < 0, "terminal: open pty peer");
  if (p.console_rows || p.console_cols) {
    winsize ws{};
    ws.ws_row = p.console_rows;
    ws.ws_col = p.console_cols;
    ::ioctl(ptmx, TIOCSWINSZ, &ws);
  }
  char name[] = "/dev/ptmx";
  iovec iov{name, sizeof name - 1};
  alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = cbuf;
  msg.msg_controllen = sizeof cbuf;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &ptmx, sizeof(int));
  EXEC_FAIL_IF(::sendmsg(p.console_socket_fd, &msg, MSG_NOSIGNAL) < 0,
               "terminal: send the pty master to the console socket");
  ::close(ptmx);
  ::close(p.console_socket_fd);
  return peer;
}

// The grandchild: inside every namespace; waits to be placed in the
// cgroups, then becomes the process.
[[noreturn]] void ProcessMain(const InitPlan& p, int sync) {
  SyncMsg m;
  EXEC_FAIL_IF(!SyncRecv(sync, &m) || m.type != SyncType::kGo, "lost the runtime");
  // The cwd resolves inside the container: setns() made its root ours.
  EXEC_FAIL_IF(::chdir(p.cwd.c_str()) != 0, "process.cwd %s", p.cwd.c_str());
  EXEC_FAIL_IF(ApplyRlimits(p, g_err, sizeof g_err) != 0, "%s", g_err);
  EXEC_FAIL_IF(ResolveExecutable(p, g_exe, sizeof g_exe, g_err, sizeof g_err) != 0, "%s", g_err);
  EXEC_FAIL_IF(ApplySchedAndPersonality(p, g_err, sizeof g_err) != 0, "%s", g_err);
  if (p.terminal) {
    int console = OpenConsole(p, sync);
    EXEC_FAIL_IF(::setsid() < 0, "setsid");
    EXEC_FAIL_IF(::ioctl(console, TIOCSCTTY, 0) != 0, "set the controlling terminal");
    for (int fd = 0; fd < 3; ++fd) EXEC_FAIL_IF(::dup2(console, fd) < 0, "dup the console");
    ::close(console);
  }
  // As the init: without no_new_privs the filter goes in while we still
  // hold CAP_SYS_ADMIN; with it, after no_new_privs, last of all.
  EXEC_FAIL_IF(!p.no_new_privileges && LoadSeccomp(p.seccomp) < 0, "load the seccomp filter");
  EXEC_FAIL_IF(ApplyUserAndCaps(p, g_err, sizeof g_err) != 0, "%s", g_err);
  ::umask(p.umask >= 0 ? static_cast<mode_t>(p.umask) : 022);
  if (p.no_new_privileges) {
    EXEC_FAIL_IF(::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0, "no_new_privs");
    EXEC_FAIL_IF(LoadSeccomp(p.seccomp) < 0, "load the seccomp filter");
  }
  // Nothing of the runtime's crosses exec (the sync socket is
  // close-on-exec: the runtime sees EOF when exec succeeds).
  sys::CloseRange(3 + static_cast<unsigned>(p.preserve_fds), ~0U, CLOSE_RANGE_CLOEXEC);
  ::execve(g_exe, p.argv.data(), p.envp.data());
  ChildFail(sync, "exec %s", g_exe);
}

// The child: joins the namespaces, forks the process, reports its pid.
[[noreturn]] void JoinMain(const InitPlan& p, int pidfd, int ns_flags, int sync) {
  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, nullptr);
  EXEC_FAIL_IF(::setns(pidfd, ns_flags) != 0, "join the container's namespaces");
  ::close(pidfd);
  pid_t pid = ::fork();
  EXEC_FAIL_IF(pid < 0, "fork into the pid namespace");
  if (pid == 0) ProcessMain(p, sync);
  // The runtime (a subreaper in the foreground) waits for the grandchild.
  (void)SyncSend(sync, SyncType::kInitPid, pid);
  _exit(0);
}

// The container's namespaces as setns() flags: those it has of its own
// (new, or joined by path at create).
// The process to run: --process's JSON as given, or the container's own
// process with runc exec's flags laid over it (args, tty, cwd, env, user,
// groups, extra capabilities, no_new_privs).
Result<nlohmann::json> ExecProcessJson(const nlohmann::json& config, const ExecOptions& o) {
  if (o.process) return *o.process;
  nlohmann::json p = config.contains("process") ? config["process"] : nlohmann::json::object();
  if (o.args.empty()) return Fail("exec: give the command to run, or --process");
  p["args"] = o.args;
  p["terminal"] = o.tty;
  if (!o.cwd.empty()) p["cwd"] = o.cwd;
  if (!p.contains("cwd")) p["cwd"] = "/";
  for (const auto& e : o.env) {
    if (!p.contains("env")) p["env"] = nlohmann::json::array();
    std::string key = e.substr(0, e.find('='));
    auto& env = p["env"];
    bool replaced = false;
    for (auto& cur : env)
      if (cur.is_string() &&
          cur.get<std::string>().substr(0, cur.get<std::string>().find('=')) == key) {
        cur = e;
        replaced = true;
      }
    if (!replaced) env.push_back(e);
  }
  if (o.user) {
    const std::string& u = *o.user;
    auto colon = u.find(':');
    auto num = [&](const std::string& s) -> Result<uint32_t> {
      char* end = nullptr;
      errno = 0;
      unsigned long v = std::strtoul(s.c_str(), &end, 10);
      if (s.empty() || *end != '\0' || errno != 0 || v > UINT32_MAX)
        return Fail("exec --user {:?}: must be uid[:gid], numbers", u);
      return static_cast<uint32_t>(v);
    };
    p["user"]["uid"] = TRY(num(u.substr(0, colon)));
    if (colon != std::string::npos) p["user"]["gid"] = TRY(num(u.substr(colon + 1)));
  }
  if (!o.additional_gids.empty()) p["user"]["additionalGids"] = o.additional_gids;
  for (const auto& c : o.caps)
    for (const char* set : {"bounding", "effective", "permitted"}) {
      auto& arr = p["capabilities"][set];
      if (!arr.is_array()) arr = nlohmann::json::array();
      if (std::find(arr.begin(), arr.end(), c) == arr.end()) arr.push_back(c);
    }
  if (o.no_new_privs) p["noNewPrivileges"] = true;
  return p;
}

int NamespaceFlags(const nlohmann::json& config) {
  int flags = 0;
  if (!config.contains("linux") || !config["linux"].contains("namespaces")) return 0;
  for (const auto& ns : config["linux"]["namespaces"]) {
    auto f = NamespaceFlag(ns.value("type", ""));
    if (f) flags |= *f;
  }
  return flags;
}

}  // namespace

Result<int> Exec(const RuntimeOptions& ro, const ExecOptions& o) {
  // 1. The container, in a state that can take a process.
  auto rec = TRY(LoadRecord(ro.root, o.id));
  auto status = CurrentStatus(rec);
  if (status == spec::Status::kStopped)
    return FailAs(ESRCH, "container {} is not running: cannot exec into it", o.id);
  if (status == spec::Status::kPaused && !o.ignore_paused)
    return Fail("container {} is paused: resume it first (or use --ignore-paused)", o.id);

  // 2. The plan: the container's config with this process in its place.
  auto proc_json = TRY(ExecProcessJson(rec.config, o));
  auto wrapped = nlohmann::json{
      {"ociVersion", kRuntimeSpecVersion}, {"root", {{"path", "/"}}}, {"process", proc_json}};
  auto proc_cfg = TRY(spec::ConfigFromJson(wrapped));  // errors name process.*
  auto cfg = TRY_CTX(spec::ConfigFromJson(rec.config), "container {}: its recorded config", o.id);
  cfg.process = proc_cfg.process;
  const spec::Process& process = *cfg.process;
  CreateOptions co;
  co.id = o.id;
  co.bundle = rec.bundle;
  co.console_socket = o.console_socket;
  co.preserve_fds = o.preserve_fds;
  UniqueFd console_ours, console_theirs;
  if (o.console_fd >= 0) {
    co.console_fd = o.console_fd;
  } else if (process.terminal && o.console_socket.empty()) {
    if (o.detach) return Fail("exec: --tty with --detach needs --console-socket");
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
      return FailErrno("socketpair");
    console_ours.Reset(sv[0]);
    console_theirs.Reset(sv[1]);
    co.console_fd = sv[1];
  }
  auto planned = TRY(BuildPlan(cfg, co, rec.bundle, nullptr, nullptr));
  InitPlan& plan = planned->plan;
  int ns_flags = NamespaceFlags(rec.config);

  // 3. A pidfd of the init, checked to be the recorded process.
  UniqueFd pidfd(sys::PidfdOpen(rec.pid));
  if (!pidfd) return FailErrno("container {}: open its init", o.id);
  if (PidStartTime(rec.pid) != rec.pid_start_time)
    return FailAs(ESRCH, "container {} is not running: cannot exec into it", o.id);

  // 4. In the foreground we are the process's subreaper and pass signals on.
  sigset_t mask;
  sigfillset(&mask);
  for (int s : {SIGILL, SIGFPE, SIGSEGV, SIGBUS, SIGTRAP, SIGABRT, SIGKILL, SIGSTOP})
    sigdelset(&mask, s);
  sigset_t old;
  if (!o.detach) {
    if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) return FailErrno("set child subreaper");
    ::sigprocmask(SIG_BLOCK, &mask, &old);
  }
  struct RestoreMask {
    bool on;
    sigset_t* old;
    ~RestoreMask() {
      if (on) ::sigprocmask(SIG_SETMASK, old, nullptr);
    }
  } restore{!o.detach, &old};

  // 5. Fork the joiner; it forks the process and tells us its pid.
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return FailErrno("socketpair");
  UniqueFd ours(sv[0]), theirs(sv[1]);
  pid_t child = ::fork();
  if (child < 0) return FailErrno("fork");
  if (child == 0) {
    ours.Reset();
    JoinMain(plan, pidfd.get(), ns_flags, theirs.get());
  }
  theirs.Reset();
  console_theirs.Reset();
  pid_t pid = -1;
  auto fail_child = [&](Error e) -> Result<int> {
    if (pid > 0) ::kill(pid, SIGKILL);
    ::waitpid(child, nullptr, 0);
    if (pid > 0) ::waitpid(pid, nullptr, 0);
    return std::unexpected(std::move(e));
  };
  SyncMsg m;
  if (!SyncRecv(ours.get(), &m)) return fail_child(Error(0, "exec: the joining process died"));
  if (m.type == SyncType::kError) {
    m.text[sizeof m.text - 1] = 0;
    return fail_child(Error(m.err, m.text));
  }
  pid = m.value;
  ::waitpid(child, nullptr, 0);

  // 6. Into the container's cgroups, then go; EOF means it exec'd.
  if (rec.has_cgroup)
    if (auto st = cgroup::AddProcess(rec.cgroup, pid); !st) return fail_child(st.error());
  if (SyncSend(ours.get(), SyncType::kGo) != 0) return fail_child(Error(errno, "exec: sync"));
  // In a paused container the process is frozen with it until resume, so
  // a detached exec cannot wait to see it exec.
  bool frozen = status == spec::Status::kPaused;
  if (!(frozen && o.detach) && SyncRecv(ours.get(), &m) && m.type == SyncType::kError) {
    m.text[sizeof m.text - 1] = 0;
    return fail_child(Error(m.err, m.text));
  }
  if (!o.pid_file.empty()) TRY(WriteFileAtomic(o.pid_file, std::to_string(pid), 0644));
  if (o.pid_out) *o.pid_out = pid;
  if (o.detach) return 0;

  // 7. Foreground: proxy the pty if we hold it, pass signals on, and exit
  // with the process's own status.
  UniqueFd master;
  if (console_ours) master = TRY(TakePtyMaster(console_ours.get()));
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
      int st;
      pid_t r;
      while ((r = ::waitpid(-1, &st, WNOHANG)) > 0)
        if (r == pid) code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }
  }
  if (master) {
    bool closed = false;
    while (PumpPty(master.get(), &closed)) {
      pollfd pf{master.get(), POLLIN, 0};
      if (::poll(&pf, 1, 0) <= 0) break;
    }
  }
  return code;
}

}  // namespace berth::runtime
