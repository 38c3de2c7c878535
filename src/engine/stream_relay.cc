#include "engine/stream_relay.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>

#include "engine/detach_keys.h"
#include "shim/shim_protocol.h"
#include "sys/syscalls.h"

namespace berth::engine {
namespace {

bool WriteAllTo(int fd, std::string_view data) {
  return data.empty() || sys::WriteAll(fd, data.data(), data.size()) == 0;
}

// Drops the frames of a stream the client did not ask for.
class FrameFilter {
 public:
  FrameFilter(bool stdout, bool stderr) : stdout_(stdout), stderr_(stderr) {}
  bool PassAll() const { return stdout_ && stderr_; }
  std::string Feed(std::string_view data) {
    buf_.append(data);
    std::string out;
    size_t pos = 0;
    while (buf_.size() - pos >= 8) {
      const auto* h = reinterpret_cast<const unsigned char*>(buf_.data() + pos);
      size_t len = (size_t{h[4]} << 24) | (size_t{h[5]} << 16) | (size_t{h[6]} << 8) | h[7];
      if (buf_.size() - pos < 8 + len) break;
      bool keep =
          (h[0] == shim::kStreamStdout && stdout_) || (h[0] == shim::kStreamStderr && stderr_);
      if (keep) out.append(buf_, pos, 8 + len);
      pos += 8 + len;
    }
    buf_.erase(0, pos);
    return out;
  }

 private:
  bool stdout_, stderr_;
  std::string buf_;
};

}  // namespace

bool RelayStreams(const StreamRelay& r, int shim_fd, std::string shim_buffered, int client_fd,
                  std::string client_buffered) {
  FrameFilter filter(r.want_stdout || r.tty, r.want_stderr || r.tty);
  auto to_client = [&](std::string_view d) {
    if (r.tty || filter.PassAll()) return WriteAllTo(client_fd, d);
    return WriteAllTo(client_fd, filter.Feed(d));
  };
  if (!to_client(shim_buffered)) return false;
  std::vector<unsigned char> keys = r.detach_keys;
  bool scan = !keys.empty();
  DetachScanner scanner(keys.empty() ? std::vector<unsigned char>{0} : keys);
  bool detached = false;
  auto from_client = [&](std::string_view d) -> bool {
    std::string pass = scan ? scanner.Feed(d, &detached) : std::string(d);
    if (!WriteAllTo(shim_fd, pass)) return false;
    return !detached;
  };
  if (r.stdin && !from_client(client_buffered)) return detached;
  bool client_open = r.stdin;
  // A client without stdin (or whose stdin ended) is watched for hanging
  // up altogether: POLLHUP, both directions closed. Its half-close alone
  // (the docker CLI shuts its write side when it sends no stdin) is not
  // the end.
  for (;;) {
    bool watch_hangup = !client_open;
    pollfd fds[2] = {{shim_fd, POLLIN, 0}, {-1, 0, 0}};
    if (client_open) fds[1] = {client_fd, POLLIN, 0};
    if (watch_hangup) fds[1] = {client_fd, 0, 0};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    char buf[32768];
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::read(shim_fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // the process ended and all its output was sent
      if (!to_client(std::string_view(buf, static_cast<size_t>(n)))) break;
    }
    if (client_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t n = ::read(client_fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        // The client's end of input: the process's stdin closes; its
        // output keeps coming.
        client_open = false;
        ::shutdown(shim_fd, SHUT_WR);
        continue;
      }
      if (!from_client(std::string_view(buf, static_cast<size_t>(n)))) break;
    } else if (watch_hangup && (fds[1].revents & (POLLHUP | POLLERR))) {
      break;
    }
  }
  return detached;
}

}  // namespace berth::engine
