#include "runtime/init.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>

#include "runtime/hooks.h"
#include "runtime/mounts.h"
#include "runtime/process_setup.h"
#include "runtime/seccomp.h"
#include "runtime/sync.h"
#include "sys/syscalls.h"

namespace berth::runtime {
namespace {

// The state JSON the parent sends for createContainer/startContainer hooks.
// Static, not heap: the child must not allocate.
char g_state[16384];
size_t g_state_len = 0;
char g_err[512];
char g_exe[PATH_MAX];

#define FAIL_IF(cond, ...)                  \
  do {                                      \
    if (cond) ChildFail(sync, __VA_ARGS__); \
  } while (0)

void Expect(int sync, SyncType want) {
  SyncMsg m;
  if (!SyncRecv(sync, &m)) {
    errno = EPIPE;
    ChildFail(sync, "lost the runtime while waiting for it");
  }
  if (m.type != want) {
    errno = EPROTO;
    ChildFail(sync, "unexpected message %u from the runtime", static_cast<unsigned>(m.type));
  }
  if (m.payload_len > 0) {
    if (m.payload_len >= sizeof g_state) {
      errno = E2BIG;
      ChildFail(sync, "state too large for hooks");
    }
    if (sys::ReadFull(sync, g_state, m.payload_len) != static_cast<ssize_t>(m.payload_len))
      ChildFail(sync, "read state from the runtime");
    g_state_len = m.payload_len;
  }
}

// Writes "key value" offsets of a new time namespace; they must be set
// before any process lives in it.
void WriteFile(int sync, const char* path, const char* data) {
  int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  FAIL_IF(fd < 0, "open %s", path);
  FAIL_IF(sys::WriteAll(fd, data, std::strlen(data)) != 0, "write %s", path);
  ::close(fd);
}

void PrepareRoot(const InitPlan& p, int sync) {
  // Nothing may be shared with the host while the root is assembled: host
  // mounts still propagate in (slave), ours never out, and pivot_root
  // refuses shared mounts. rootfsPropagation is applied to the new root
  // after pivot_root.
  unsigned long prop =
      p.rootfs_propagation == (MS_PRIVATE | MS_REC) ? (MS_PRIVATE | MS_REC) : (MS_SLAVE | MS_REC);
  FAIL_IF(::mount(nullptr, "/", nullptr, prop, nullptr) != 0, "set propagation of /");
}

// The rootfs bind-mounted onto itself, so that it is a mount point (as
// pivot_root requires), and opened: every later path resolves under this fd.
int OpenRootfs(const InitPlan& p, int sync) {
  const char* rootfs = p.rootfs.c_str();
  int tree = ::open_tree(AT_FDCWD, rootfs, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
  FAIL_IF(tree < 0, "root.path %s: bind", rootfs);
  FAIL_IF(::move_mount(tree, "", AT_FDCWD, rootfs, MOVE_MOUNT_F_EMPTY_PATH) != 0,
          "root.path %s: bind onto itself", rootfs);
  ::close(tree);
  int rootfd = ::open(rootfs, O_PATH | O_CLOEXEC | O_DIRECTORY);
  FAIL_IF(rootfd < 0, "root.path %s: open", rootfs);
  return rootfd;
}

bool DevIsBindMounted(const InitPlan& p) {
  for (const auto& m : p.mounts)
    if (m.dest == "/dev" && m.bind) return true;
  return false;
}

void CreateDevices(const InitPlan& p, int sync, int rootfd) {
  for (const auto& d : p.devices) {
    char dir[PATH_MAX];
    std::snprintf(dir, sizeof dir, "%s", d.path.c_str());
    char* slash = std::strrchr(dir, '/');
    const char* name = slash + 1;
    *slash = 0;
    int dfd = MkdirAllInRoot(rootfd, dir, false, false);
    FAIL_IF(dfd < 0, "device %s: create parent", d.path.c_str());
    if (p.bind_devices) {
      // In a user namespace mknod is refused: bind the host's node.
      int src = ::open(d.host_path.c_str(), O_PATH | O_CLOEXEC);
      FAIL_IF(src < 0, "device %s: open host node %s", d.path.c_str(), d.host_path.c_str());
      FAIL_IF(BindFdOnto(rootfd, src, d.path.c_str(), g_err, sizeof g_err) != 0, "%s", g_err);
      ::close(src);
    } else {
      if (::mknodat(dfd, name, d.mode, d.rdev) != 0) {
        FAIL_IF(errno != EEXIST, "device %s: mknod", d.path.c_str());
        // Something is already there (from the image): replace a non-directory.
        FAIL_IF(::unlinkat(dfd, name, 0) != 0, "device %s: replace", d.path.c_str());
        FAIL_IF(::mknodat(dfd, name, d.mode, d.rdev) != 0, "device %s: mknod", d.path.c_str());
      }
      FAIL_IF(::fchownat(dfd, name, d.uid, d.gid, AT_SYMLINK_NOFOLLOW) != 0, "device %s: chown",
              d.path.c_str());
    }
    ::close(dfd);
  }
  for (const auto& l : p.dev_symlinks) {
    char dir[PATH_MAX];
    std::snprintf(dir, sizeof dir, "%s", l.path.c_str());
    char* slash = std::strrchr(dir, '/');
    *slash = 0;
    int dfd = MkdirAllInRoot(rootfd, dir, false, false);
    FAIL_IF(dfd < 0, "symlink %s: create parent", l.path.c_str());
    if (::symlinkat(l.target.c_str(), dfd, slash + 1) != 0 && errno != EEXIST)
      ChildFail(sync, "symlink %s", l.path.c_str());
    ::close(dfd);
  }
}

// A new pty from the container's devpts: the master goes to whoever listens
// on the console socket, the peer becomes /dev/console and the stdio.
int SetupConsole(const InitPlan& p, int sync, int rootfd) {
  int ptmx = sys::OpenAt2(rootfd, "dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC,
                          RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);
  FAIL_IF(ptmx < 0, "terminal: open /dev/pts/ptmx (is devpts mounted at /dev/pts?)");
  struct statfs sfs;
  FAIL_IF(::fstatfs(ptmx, &sfs) != 0 || sfs.f_type != DEVPTS_SUPER_MAGIC,
          "terminal: /dev/pts/ptmx is not on devpts");
  int unlock = 0;
  FAIL_IF(::ioctl(ptmx, TIOCSPTLCK, &unlock) != 0, "terminal: unlock pty");
  int peer = ::ioctl(ptmx, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  FAIL_IF(peer < 0, "terminal: open pty peer");
  if (p.console_rows || p.console_cols) {
    winsize ws{};
    ws.ws_row = p.console_rows;
    ws.ws_col = p.console_cols;
    ::ioctl(ptmx, TIOCSWINSZ, &ws);
  }
  FAIL_IF(BindFdOnto(rootfd, peer, "/dev/console", g_err, sizeof g_err) != 0, "%s", g_err);

  // Send the master as runc does: one SCM_RIGHTS message whose data is the
  // pty's name.
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
  FAIL_IF(::sendmsg(p.console_socket_fd, &msg, MSG_NOSIGNAL) < 0,
          "terminal: send the pty master to the console socket");
  ::close(ptmx);
  ::close(p.console_socket_fd);
  return peer;
}

void WriteSysctls(const InitPlan& p, int sync, int rootfd) {
  if (p.sysctls.empty()) return;
  int proc = sys::OpenAt2(rootfd, "proc", O_PATH | O_CLOEXEC | O_DIRECTORY,
                          RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);
  struct statfs sfs;
  FAIL_IF(proc < 0 || ::fstatfs(proc, &sfs) != 0 || sfs.f_type != PROC_SUPER_MAGIC,
          "linux.sysctl: needs procfs mounted at /proc");
  for (const auto& [file, value] : p.sysctls) {
    int fd = sys::OpenAt2(proc, file.c_str(), O_WRONLY | O_CLOEXEC,
                          RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV);
    FAIL_IF(fd < 0, "linux.sysctl: open /proc/%s", file.c_str());
    FAIL_IF(sys::WriteAll(fd, value.data(), value.size()) != 0,
            "linux.sysctl: write %s to /proc/%s", value.c_str(), file.c_str());
    ::close(fd);
  }
  ::close(proc);
}

// The host's /dev/null, verified to be the real device, for maskedPaths: a
// container could replace its own /dev/null with a symlink (CVE-2025-31133).
int OpenVerifiedNull(int sync) {
  int fd = ::open("/dev/null", O_PATH | O_CLOEXEC | O_NOFOLLOW);
  struct stat st;
  FAIL_IF(fd < 0 || ::fstat(fd, &st) != 0, "open /dev/null");
  if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) {
    errno = EINVAL;
    ChildFail(sync, "/dev/null is not the null device");
  }
  return fd;
}

void PivotRoot(const InitPlan& p, int sync, int rootfd) {
  FAIL_IF(::fchdir(rootfd) != 0, "chdir to the rootfs");
  if (p.no_pivot) {
    FAIL_IF(::mount(".", "/", nullptr, MS_MOVE, nullptr) != 0, "move the rootfs to /");
    FAIL_IF(::chroot(".") != 0, "chroot");
  } else {
    // pivot_root(".", ".") stacks the old root on top of the new one; detach
    // it (as a slave first, so the unmount does not propagate to the host).
    // The old root is named by an fd taken before the pivot: "." would be
    // the new root, and making it a slave would turn the container's own
    // shared mounts private.
    int oldroot = ::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    FAIL_IF(oldroot < 0, "open the old root");
    FAIL_IF(sys::PivotRoot(".", ".") != 0, "pivot_root");
    FAIL_IF(::fchdir(oldroot) != 0, "chdir to the old root");
    ::close(oldroot);
    FAIL_IF(::mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) != 0,
            "make the old root a slave");
    FAIL_IF(::umount2(".", MNT_DETACH) != 0, "detach the old root");
  }
  FAIL_IF(::chdir("/") != 0, "chdir /");
  if (p.rootfs_propagation)
    FAIL_IF(::mount(nullptr, "/", nullptr, p.rootfs_propagation, nullptr) != 0,
            "linux.rootfsPropagation: apply to /");
  if (p.rootfs_readonly) {
    int root = ::open("/", O_PATH | O_CLOEXEC | O_DIRECTORY);
    mount_attr a{};
    a.attr_set = MOUNT_ATTR_RDONLY;
    FAIL_IF(root < 0 || ::mount_setattr(root, "", AT_EMPTY_PATH, &a, sizeof a) != 0,
            "root.readonly: remount / read-only");
    ::close(root);
  }
}

// The working directory, resolved inside the new root and entered by fd:
// a leaked host fd or a symlink can never make it point outside
// (CVE-2024-21626).
void EnterCwd(const InitPlan& p, int sync) {
  int root = ::open("/", O_PATH | O_CLOEXEC | O_DIRECTORY);
  FAIL_IF(root < 0, "open /");
  int cwd = MkdirAllInRoot(root, p.cwd.c_str(), false, false);
  FAIL_IF(cwd < 0, "process.cwd %s", p.cwd.c_str());
  FAIL_IF(::fchdir(cwd) != 0, "process.cwd %s: chdir", p.cwd.c_str());
  char buf[PATH_MAX];
  if (::getcwd(buf, sizeof buf) == nullptr || buf[0] != '/') {
    errno = EPERM;
    ChildFail(sync, "process.cwd %s: resolves outside the container", p.cwd.c_str());
  }
  ::close(cwd);
  ::close(root);
}

[[noreturn]] void FinishAndExec(const InitPlan& p, int sync, int console);
[[noreturn]] void NoMountNsMain(const InitPlan& p, int sync);

int g_start_error_fd = -1;

[[noreturn]] void Die(const char* what);

// Loads the filter; with a notify filter, hands the listener fd to `start`
// over the seccomp socket (one connection, SCM_RIGHTS) and closes both.
void LoadSeccompAndHandOver(const InitPlan& p) {
  int fd = LoadSeccomp(p.seccomp);
  if (fd < 0) Die("load the seccomp filter");
  if (!p.seccomp.notify) return;
  int conn = ::accept4(p.seccomp_socket_fd, nullptr, nullptr, SOCK_CLOEXEC);
  if (conn < 0) Die("seccomp: accept the runtime's connection");
  char byte = 0;
  iovec iov{&byte, 1};
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
  std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
  if (::sendmsg(conn, &msg, MSG_NOSIGNAL) < 0) Die("seccomp: send the listener fd");
  ::close(conn);
  ::close(fd);
  ::close(p.seccomp_socket_fd);
}

// After start, nobody reads the sync socket: errors go to the container's
// stderr and to the start-error file `start` reads, and the init exits 127,
// as a shell does when exec fails.
[[noreturn]] void Die(const char* what) {
  char line[700];
  int e = errno;
  int len = e != 0 ? std::snprintf(line, sizeof line, "%s: %s", what, std::strerror(e))
                   : std::snprintf(line, sizeof line, "%s", what);
  if (len > 0) {
    size_t n = std::min(static_cast<size_t>(len), sizeof line - 1);
    if (g_start_error_fd >= 0) (void)!::write(g_start_error_fd, line, n);
    line[n] = '\n';
    (void)!::write(STDERR_FILENO, "berth-runtime init: ", 20);
    (void)!::write(STDERR_FILENO, line, n + 1);
  }
  _exit(127);
}

[[noreturn]] void InitMain(const InitPlan& p, int sync) {
  // No signal the runtime blocked may stay blocked in the container.
  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, nullptr);
  ::umask(0);

  if (p.no_mount_ns) NoMountNsMain(p, sync);
  // Namespaces are in place; now the filesystem the container will see.
  PrepareRoot(p, sync);
  int rootfd = OpenRootfs(p, sync);
  int null_fd = OpenVerifiedNull(sync);
  for (const auto& m : p.mounts)
    FAIL_IF(AttachMount(rootfd, m, g_err, sizeof g_err) != 0, "%s", g_err);
  if (!DevIsBindMounted(p)) CreateDevices(p, sync, rootfd);
  int console = -1;
  if (p.terminal) console = SetupConsole(p, sync, rootfd);

  // The runtime runs prestart and createRuntime hooks now, in its own
  // namespaces; then createContainer hooks run here, before pivot_root.
  FAIL_IF(SyncSend(sync, SyncType::kCreateRuntime) != 0, "sync");
  Expect(sync, SyncType::kCreateRuntimeDone);
  for (const auto& h : p.create_container_hooks)
    FAIL_IF(RunHookRaw(h, g_state, g_state_len, g_err, sizeof g_err) != 0, "createContainer %s",
            g_err);

  WriteSysctls(p, sync, rootfd);
  for (const auto& path : p.readonly_paths)
    FAIL_IF(ReadonlyPath(rootfd, path.c_str(), g_err, sizeof g_err) != 0, "%s", g_err);
  for (const auto& path : p.masked_paths)
    FAIL_IF(MaskPath(rootfd, path.c_str(), null_fd, g_err, sizeof g_err) != 0, "%s", g_err);
  ::close(null_fd);
  // The cwd is made now, while the rootfs may still be written (runc does
  // the same: root.readonly must not stop a missing cwd from being made).
  if (p.has_process) {
    int cwd = MkdirAllInRoot(rootfd, p.cwd.c_str(), false, false);
    FAIL_IF(cwd < 0, "process.cwd %s", p.cwd.c_str());
    ::close(cwd);
  }
  PivotRoot(p, sync, rootfd);
  ::close(rootfd);

  FinishAndExec(p, sync, console);
}

// The host's mount namespace is the container's: no mounts, no pivot;
// hooks still run at their stages and the process is chrooted.
[[noreturn]] void NoMountNsMain(const InitPlan& p, int sync) {
  FAIL_IF(SyncSend(sync, SyncType::kCreateRuntime) != 0, "sync");
  Expect(sync, SyncType::kCreateRuntimeDone);
  for (const auto& h : p.create_container_hooks)
    FAIL_IF(RunHookRaw(h, g_state, g_state_len, g_err, sizeof g_err) != 0, "createContainer %s",
            g_err);
  FAIL_IF(::chdir(p.rootfs.c_str()) != 0 || ::chroot(".") != 0 || ::chdir("/") != 0, "chroot %s",
          p.rootfs.c_str());
  FinishAndExec(p, sync, -1);
}

// Everything after the root is in place: names, limits, the wait for
// start, identity, then exec.
[[noreturn]] void FinishAndExec(const InitPlan& p, int sync, int console) {
  // A session keyring of the container's own, so that keys (kerberos
  // tickets, fscrypt keys) of the host's session are not reachable from it.
  // Kernels without keyrings, or where they are disallowed, say ENOSYS/EPERM:
  // there is then nothing to isolate from.
  if (p.new_keyring &&
      ::syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, p.id.c_str()) < 0 &&
      errno != ENOSYS && errno != EPERM && errno != EACCES)
    ChildFail(sync, "join a new session keyring");
  if (p.set_hostname)
    FAIL_IF(::sethostname(p.hostname.data(), p.hostname.size()) != 0, "hostname %s",
            p.hostname.c_str());
  if (p.set_domainname)
    FAIL_IF(::setdomainname(p.domainname.data(), p.domainname.size()) != 0, "domainname %s",
            p.domainname.c_str());
  FAIL_IF(ApplyRlimits(p, g_err, sizeof g_err) != 0, "%s", g_err);
  if (p.has_process) {
    FAIL_IF(ResolveExecutable(p, g_exe, sizeof g_exe, g_err, sizeof g_err) != 0, "%s", g_err);
    EnterCwd(p, sync);
  }

  // Created: the runtime records the state and returns; we wait for start.
  FAIL_IF(SyncSend(sync, SyncType::kCreated) != 0, "sync");
  ::close(sync);
  if (p.fifo_fd >= 0) {
    char c;
    ssize_t r;
    do {
      r = ::read(p.fifo_fd, &c, 1);
    } while (r < 0 && errno == EINTR);
    // The fifo stays open (close-on-exec): `start` waits for it to close,
    // which happens at exec, or at exit with the reason in the error file.
  }
  g_start_error_fd = p.start_error_fd;

  for (const auto& h : p.start_container_hooks)
    if (RunHookRaw(h, g_state, g_state_len, g_err, sizeof g_err) != 0) {
      char what[600];
      std::snprintf(what, sizeof what, "startContainer %s", g_err);
      errno = 0;
      Die(what);
    }
  if (ApplySchedAndPersonality(p, g_err, sizeof g_err) != 0) Die(g_err);
  if (console >= 0) {
    if (::setsid() < 0) Die("setsid");
    if (::ioctl(console, TIOCSCTTY, 0) != 0) Die("set the controlling terminal");
    for (int fd = 0; fd < 3; ++fd)
      if (::dup2(console, fd) < 0) Die("dup the console onto stdio");
    ::close(console);
  }
  // Without no_new_privs the filter must go in while we still hold
  // CAP_SYS_ADMIN, before the capabilities drop; with it, last of all.
  if (!p.no_new_privileges) LoadSeccompAndHandOver(p);
  if (ApplyUserAndCaps(p, g_err, sizeof g_err) != 0) Die(g_err);
  ::umask(p.umask >= 0 ? static_cast<mode_t>(p.umask) : 022);
  if (p.no_new_privileges) {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) Die("no_new_privs");
    LoadSeccompAndHandOver(p);
  }
  if (!p.has_process) _exit(0);
  // Nothing of the runtime's crosses exec: every fd past the preserved ones
  // is marked close-on-exec, whatever it was (CVE-2024-21626). Marked, not
  // closed: the exec fifo and the error file must stay open until exec.
  sys::CloseRange(3 + static_cast<unsigned>(p.preserve_fds), ~0U, CLOSE_RANGE_CLOEXEC);
  ::execve(g_exe, p.argv.data(), p.envp.data());
  Die(g_exe);
}

}  // namespace

void Stage1Main(const InitPlan& p, int sync) {
  Expect(sync, SyncType::kGo);
  // Joins first, the user namespace before all others: the ones joined
  // after it are checked against its capabilities.
  for (const auto& j : p.joins)
    if (j.nstype == CLONE_NEWUSER) FAIL_IF(::setns(j.fd, j.nstype) != 0, "join %s", j.path.c_str());
  for (const auto& j : p.joins)
    if (j.nstype != CLONE_NEWUSER) FAIL_IF(::setns(j.fd, j.nstype) != 0, "join %s", j.path.c_str());
  for (const auto& j : p.joins) ::close(j.fd);

  FAIL_IF(::unshare(p.clone_flags) != 0, "create namespaces (unshare 0x%x)", p.clone_flags);
  if (p.new_userns) {
    FAIL_IF(SyncSend(sync, SyncType::kUsernsReady) != 0, "sync");
    Expect(sync, SyncType::kUsernsMapped);
  }
  if (p.new_userns || !p.joins.empty()) {
    // Become root of the (new or joined) user namespace where root is mapped.
    if (::setresgid(0, 0, 0) != 0 && errno != EINVAL) ChildFail(sync, "setgid 0 in the userns");
    if (::setresuid(0, 0, 0) != 0 && errno != EINVAL) ChildFail(sync, "setuid 0 in the userns");
  }
  if (p.new_timens) WriteFile(sync, "/proc/self/timens_offsets", p.timens_offsets.c_str());

  pid_t pid = ::fork();
  FAIL_IF(pid < 0, "fork the container init");
  if (pid == 0) InitMain(p, sync);
  SyncSend(sync, SyncType::kInitPid, pid);
  _exit(0);
}

}  // namespace berth::runtime
