#include "engine/stream_relay.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>

#include "shim/shim_protocol.h"
#include "spec/detach_keys.h"

namespace berth::engine {
namespace {

// How much either direction holds before it stops reading its source: a
// reader that stalls slows its writer down instead of growing memory.
constexpr size_t kMaxPending = 256 * 1024;

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

// Writes what it can of `pending` without blocking; false when the peer
// is gone.
bool Drain(int fd, std::string& pending) {
  while (!pending.empty()) {
    ssize_t n = ::send(fd, pending.data(), pending.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (n <= 0) return false;
    pending.erase(0, static_cast<size_t>(n));
  }
  return true;
}

// Reads what is there without blocking: >0 bytes, 0 at end of file, -1
// for nothing now, -2 for an error.
ssize_t ReadSome(int fd, char* buf, size_t len) {
  for (;;) {
    ssize_t n = ::recv(fd, buf, len, MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return -1;
    if (n < 0) return -2;
    return n;
  }
}

}  // namespace

Result<std::string> DetachKeysFor(const std::string& keys) {
  if (keys.empty()) return std::string(spec::kDefaultDetachKeys);
  auto parsed = spec::ParseDetachKeys(keys);
  if (!parsed) return FailAs(EINVAL, "Invalid detach keys ({}) provided", keys);
  return parsed;
}

bool RelayStreams(const StreamRelay& r, int shim_fd, std::string shim_buffered, int client_fd,
                  std::string client_buffered) {
  FrameFilter filter(r.want_stdout || r.tty, r.want_stderr || r.tty);
  auto output = [&](std::string_view d) {
    return r.tty || filter.PassAll() ? std::string(d) : filter.Feed(d);
  };
  // Only a terminal's input is scanned, as docker does: a pipe may carry
  // any bytes, the detach keys among them.
  spec::DetachScanner scanner(r.tty ? r.detach_keys : "");
  bool detached = false;
  auto input = [&](std::string_view d) {
    std::string out;
    detached = detached || scanner.Feed(d, out);
    return out;
  };

  std::string to_client = output(shim_buffered);
  std::string to_shim = r.stdin ? input(client_buffered) : "";
  if (detached) return true;
  bool shim_open = true;       // the shim still sends
  bool client_open = r.stdin;  // the client still sends
  bool input_closed = false;   // the shim was told the input ended
  char buf[32768];
  for (;;) {
    // The client's input ended: without a tty the process reads end of
    // file and its output keeps coming; with one, as docker does, the
    // attach ends there and the process keeps its terminal.
    if (r.stdin && !client_open && to_shim.empty() && !input_closed) {
      if (r.tty) return false;
      ::shutdown(shim_fd, SHUT_WR);
      input_closed = true;
    }
    if (!shim_open && to_client.empty()) return false;
    pollfd fds[2] = {{shim_fd, 0, 0}, {client_fd, 0, 0}};
    if (shim_open && to_client.size() < kMaxPending) fds[0].events |= POLLIN;
    if (!to_shim.empty()) fds[0].events |= POLLOUT;
    if (client_open && to_shim.size() < kMaxPending) fds[1].events |= POLLIN;
    if (!to_client.empty()) fds[1].events |= POLLOUT;
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    // The client hung up altogether (its half-close alone is a client
    // that sends nothing, as the docker CLI does without stdin).
    if (fds[1].revents & POLLERR) return false;
    if ((fds[1].revents & POLLHUP) && !client_open && !(fds[1].revents & POLLIN)) return false;
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ReadSome(shim_fd, buf, sizeof buf);
      if (n == 0 || n == -2) {
        shim_open = false;  // the process ended and all its output was sent
      } else if (n > 0) {
        to_client += output(std::string_view(buf, static_cast<size_t>(n)));
      }
    }
    if (fds[1].revents & (POLLIN | POLLHUP)) {
      if (client_open) {
        ssize_t n = ReadSome(client_fd, buf, sizeof buf);
        if (n == 0 || n == -2) {
          client_open = false;
        } else if (n > 0) {
          to_shim += input(std::string_view(buf, static_cast<size_t>(n)));
          if (detached) {
            // What came before the keys still goes in.
            (void)Drain(shim_fd, to_shim);
            return true;
          }
        }
      }
    }
    if (!Drain(client_fd, to_client)) return false;
    if (!to_shim.empty() && !Drain(shim_fd, to_shim)) {
      to_shim.clear();
      client_open = false;
      input_closed = true;
    }
  }
}

}  // namespace berth::engine
