#include "cli/client/attach_stream.h"

#include "spec/detach_keys.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cli/client/container_each.h"
#include "cli/client/container_format.h"

namespace berth::cli {

Result<std::pair<int, int>> TerminalSize(int fd) {
  struct winsize ws {};
  if (::ioctl(fd, TIOCGWINSZ, &ws) != 0) return FailErrno("terminal size");
  return std::pair<int, int>{ws.ws_row, ws.ws_col};
}

void SendTerminalSize(ApiClient& client, const std::string& resize_path) {
  if (!::isatty(1)) return;
  auto size = TerminalSize(1);
  if (!size || size->first == 0 || size->second == 0) return;
  std::string q = fmt::format("{}?h={}&w={}", resize_path, size->first, size->second);
  // docker retries the first resize a few times: the process may not have
  // its terminal yet right after start.
  for (int i = 0; i < 5; i++) {
    auto r = client.Call("POST", q);
    if (r && r->status / 100 == 2) return;
    ::usleep(10000 * (i + 1));
  }
}

namespace {

// The signals a stream catches: SIGWINCH for the window size, the rest to
// proxy to the container or, without a proxy, to end berth after the
// terminal is restored. The handler only writes the number to a pipe the
// loop polls.
constexpr int kCaught[] = {SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
int g_signal_pipe[2] = {-1, -1};

void OnSignal(int signo) {
  int saved = errno;
  unsigned char b = static_cast<unsigned char>(signo);
  [[maybe_unused]] ssize_t n = ::write(g_signal_pipe[1], &b, 1);
  errno = saved;
}

// Owns the signal handlers and the terminal's mode while a stream runs;
// the destructor puts both back.
class StreamGuard {
 public:
  StreamGuard() = default;
  StreamGuard(const StreamGuard&) = delete;
  StreamGuard& operator=(const StreamGuard&) = delete;
  ~StreamGuard() { Restore(); }

  Status Install() {
    if (::pipe2(g_signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return FailErrno("pipe");
    struct sigaction sa {};
    sa.sa_handler = OnSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (size_t i = 0; i < std::size(kCaught); i++) ::sigaction(kCaught[i], &sa, &old_[i]);
    installed_ = true;
    return Ok();
  }

  // docker's term.MakeRaw (cfmakeraw): no echo, no line editing, no
  // signals from keys (ctrl-c reaches the container as a byte), no output
  // processing (the container's terminal already did it).
  Status MakeRaw(int fd) {
    if (::tcgetattr(fd, &saved_) != 0) return FailErrno("read terminal mode");
    struct termios raw = saved_;
    ::cfmakeraw(&raw);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    if (::tcsetattr(fd, TCSADRAIN, &raw) != 0) return FailErrno("set terminal raw");
    raw_fd_ = fd;
    return Ok();
  }

  void RestoreTerminal() {
    if (raw_fd_ >= 0) ::tcsetattr(raw_fd_, TCSADRAIN, &saved_);
    raw_fd_ = -1;
  }

  void Restore() {
    RestoreTerminal();
    if (!installed_) return;
    for (size_t i = 0; i < std::size(kCaught); i++) ::sigaction(kCaught[i], &old_[i], nullptr);
    ::close(g_signal_pipe[0]);
    ::close(g_signal_pipe[1]);
    g_signal_pipe[0] = g_signal_pipe[1] = -1;
    installed_ = false;
  }

 private:
  struct sigaction old_[std::size(kCaught)]{};
  bool installed_ = false;
  struct termios saved_ {};
  int raw_fd_ = -1;
};

Status WriteFd(int fd, std::string_view d) {
  while (!d.empty()) {
    ssize_t n = ::write(fd, d.data(), d.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return FailErrno("write output");
    d.remove_prefix(static_cast<size_t>(n));
  }
  return Ok();
}

}  // namespace

Result<StreamEnd> StreamContainerIo(HijackedConnection& conn, const StreamOptions& opts) {
  int sock = conn.fd.get();
  StreamGuard guard;
  TRY(guard.Install());
  bool stdin_tty = ::isatty(0) == 1;
  if (opts.tty && opts.send_stdin && stdin_tty) TRY(guard.MakeRaw(0));
  // Non-blocking so that a container that does not read its stdin cannot
  // stop us reading its output.
  ::fcntl(sock, F_SETFL, ::fcntl(sock, F_GETFL) | O_NONBLOCK);

  LogDemuxer demux(
      [](int stream, std::string_view payload) { return WriteFd(stream == 2 ? 2 : 1, payload); });
  auto deliver = [&](std::string_view d) -> Status {
    if (opts.tty) return WriteFd(1, d);
    return demux.Feed(d);
  };
  if (!conn.pending.empty()) {
    TRY(deliver(conn.pending));
    conn.pending.clear();
  }

  spec::DetachScanner watcher(opts.tty ? opts.detach_keys : std::string());
  std::string outgoing;  // read from stdin, not yet written to the socket
  bool reading_stdin = opts.send_stdin, write_shut = !opts.send_stdin;
  char buf[32768];
  while (true) {
    // Stdin EOF and everything sent: the daemon sees the end of our input
    // (closing the container's stdin) while we keep reading its output.
    if (!reading_stdin && outgoing.empty() && !write_shut) {
      ::shutdown(sock, SHUT_WR);
      write_shut = true;
    }
    struct pollfd fds[3];
    nfds_t n = 0;
    fds[n++] = {sock, static_cast<short>(POLLIN | (outgoing.empty() ? 0 : POLLOUT)), 0};
    fds[n++] = {g_signal_pipe[0], POLLIN, 0};
    // Stop taking input while a backlog waits for the container.
    bool poll_stdin = reading_stdin && outgoing.size() < sizeof buf;
    if (poll_stdin) fds[n++] = {0, POLLIN, 0};
    if (::poll(fds, n, -1) < 0) {
      if (errno == EINTR) continue;
      return FailErrno("poll");
    }

    if (fds[1].revents & POLLIN) {
      unsigned char sigs[16];
      ssize_t got = ::read(g_signal_pipe[0], sigs, sizeof sigs);
      for (ssize_t i = 0; i < got; i++) {
        int signo = sigs[i];
        if (signo == SIGWINCH) {
          if (opts.on_resize) opts.on_resize();
        } else if (opts.on_signal) {
          opts.on_signal(signo);
        } else {
          // The signal would have ended berth: it still does, with the
          // terminal given back first.
          guard.Restore();
          ::signal(signo, SIG_DFL);
          ::raise(signo);
        }
      }
    }

    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t got = ::read(sock, buf, sizeof buf);
      if (got < 0 && (errno == EAGAIN || errno == EINTR)) {
        // nothing yet
      } else if (got <= 0) {
        // The daemon closed the stream: the container's output has ended
        // (ECONNRESET counts as the end too).
        return StreamEnd::kClosed;
      } else {
        TRY(deliver(std::string_view(buf, static_cast<size_t>(got))));
      }
    }

    if ((fds[0].revents & POLLOUT) && !outgoing.empty()) {
      ssize_t sent = ::send(sock, outgoing.data(), outgoing.size(), MSG_NOSIGNAL);
      if (sent > 0) {
        outgoing.erase(0, static_cast<size_t>(sent));
      } else if (sent < 0 && errno != EAGAIN && errno != EINTR) {
        // The daemon no longer takes input (the container closed its
        // stdin): drop ours and keep reading the output.
        outgoing.clear();
        reading_stdin = false;
        write_shut = true;
      }
    }

    if (poll_stdin && (fds[2].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t got = ::read(0, buf, sizeof buf);
      if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (got <= 0) {
        reading_stdin = false;
        continue;
      }
      if (watcher.Feed(std::string_view(buf, static_cast<size_t>(got)), outgoing)) {
        // docker sends what came before the keys, then lets go.
        if (!outgoing.empty()) {
          ::fcntl(sock, F_SETFL, ::fcntl(sock, F_GETFL) & ~O_NONBLOCK);
          [[maybe_unused]] ssize_t s = ::send(sock, outgoing.data(), outgoing.size(), MSG_NOSIGNAL);
        }
        return StreamEnd::kDetached;
      }
    }
  }
}

Result<HijackedConnection> HijackAttach(ApiClient& client, const std::string& container, bool in,
                                        bool out, bool err, const std::string& detach_keys_flag) {
  std::string q = fmt::format("{}/attach?stream=1&stdin={}&stdout={}&stderr={}",
                              ContainerPath(container), in ? 1 : 0, out ? 1 : 0, err ? 1 : 0);
  if (!detach_keys_flag.empty()) q += "&detachKeys=" + UrlEncode(detach_keys_flag);
  return client.Hijack("POST", q);
}

std::function<void(int)> ForwardSignalsTo(ApiClient& client, const std::string& container) {
  return [&client, container](int signo) {
    const char* name = ::sigabbrev_np(signo);
    if (!name) return;
    client.Call("POST", ContainerPath(container) + "/kill?signal=" + name);
  };
}

int CannotInvokeCode(const std::string& msg, int otherwise) {
  if (msg.find("executable file not found") != std::string::npos ||
      msg.find("no such file or directory") != std::string::npos)
    return 127;
  if (msg.find("permission denied") != std::string::npos) return 126;
  return otherwise;
}

}  // namespace berth::cli
