// docker attach: the API hands over the client's connection; this relays
// it to the container's shim both ways. Output passes as the shim sends it
// (docker's frames without a tty, raw bytes with one); stdin is scanned
// for the detach keys, which end the attach and leave the container
// running. A created container is waited for: `docker run -it` attaches
// before it starts.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "engine/container_live.h"
#include "engine/container_service.h"
#include "engine/detach_keys.h"
#include "engine/shim_client.h"
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

Result<ContainerService::AttachTicket> ContainerService::PrepareAttach(
    const std::string& name_or_id, bool stream) {
  ContainerRecord rec = TRY(store_.Lookup(name_or_id));
  AttachTicket t{rec.id, rec.config.value("Tty", false), false};
  if (stream && rec.state.status == ContainerStatus::kCreated) {
    auto live = LiveOf(rec.id);
    std::lock_guard lock(mu_);
    live->attaches_pending++;
    t.pending = true;
  }
  return t;
}

void ContainerService::CancelAttach(const AttachTicket& ticket) {
  if (!ticket.pending) return;
  auto live = LiveOf(ticket.id);
  std::lock_guard lock(mu_);
  live->attaches_pending--;
}

Status ContainerService::Attach(const AttachTicket& ticket, const AttachOptions& options,
                                int client_fd, std::string client_buffered) {
  struct Unregister {
    ContainerService* s;
    const AttachTicket& t;
    ~Unregister() { s->CancelAttach(t); }
  } unregister{this, ticket};
  auto found = TRY(store_.Get(ticket.id));
  if (!found) return FailAs(ENOENT, "No such container: {}", ticket.id);
  ContainerRecord rec = *found;
  ContainerConfig config = TRY(ParseContainerConfig(rec.config));
  std::vector<unsigned char> keys = TRY(ParseDetachKeys(options.detach_keys));
  auto live = LiveOf(rec.id);
  auto write_client = [&](std::string_view d) { return WriteAllTo(client_fd, d); };

  // 1. The log so far, when asked for.
  if (options.logs) {
    LogOptions lo;
    lo.stdout = options.stdout;
    lo.stderr = options.stderr;
    (void)Logs(rec.id, lo, write_client);
  }
  if (!options.stream) return Ok();

  // 2. A container not yet started is waited for; one that has ended has
  // nothing more to send.
  for (;;) {
    auto cur = TRY(store_.Get(rec.id));
    if (!cur) return Ok();
    if (cur->state.status == ContainerStatus::kRunning ||
        cur->state.status == ContainerStatus::kPaused)
      break;
    if (cur->state.status != ContainerStatus::kCreated) return Ok();
    pollfd p{client_fd, POLLRDHUP, 0};
    if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR))) return Ok();
    std::unique_lock lock(mu_);
    if (live->removed) return Ok();
    cv_.wait_for(lock, std::chrono::milliseconds(50));
  }

  // 3. The shim's stream, relayed until it ends, the client goes, or the
  // detach keys come.
  auto conn = ShimConnection::Connect(StateDir(rec.id) + "/shim.sock");
  if (!conn) return Ok();  // exited meanwhile
  if (!conn->Call({{"op", "attach"}, {"stdin_once", config.stdin_once}})) return Ok();
  int shim_fd = conn->fd();
  FrameFilter filter(options.stdout || config.tty, options.stderr || config.tty);
  auto to_client = [&](std::string_view d) {
    if (config.tty || filter.PassAll()) return write_client(d);
    return write_client(filter.Feed(d));
  };
  if (!to_client(conn->TakeBuffered())) return Ok();
  Emit(rec, "attach");
  DetachScanner scanner(keys);
  bool detached = false;
  bool client_open = options.stdin;
  auto from_client = [&](std::string_view d) -> bool {
    std::string pass = scanner.Feed(d, &detached);
    if (!WriteAllTo(shim_fd, pass)) return false;
    return !detached;
  };
  if (options.stdin && !from_client(client_buffered)) {
    if (detached) Emit(rec, "detach");
    return Ok();
  }
  // A client without stdin is watched for hanging up; one whose stdin
  // ended is done sending and is noticed when a write to it fails.
  bool watch_hangup = !options.stdin;
  for (;;) {
    pollfd fds[2] = {{shim_fd, POLLIN, 0}, {-1, 0, 0}};
    if (client_open) fds[1] = {client_fd, POLLIN, 0};
    if (watch_hangup) fds[1] = {client_fd, POLLRDHUP, 0};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    char buf[32768];
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::read(shim_fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // the container ended and all its output was sent
      if (!to_client(std::string_view(buf, static_cast<size_t>(n)))) break;
    }
    if (client_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t n = ::read(client_fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        // The client's end of input: the container's stdin closes (with
        // StdinOnce); its output keeps coming.
        client_open = false;
        ::shutdown(shim_fd, SHUT_WR);
        continue;
      }
      if (!from_client(std::string_view(buf, static_cast<size_t>(n)))) break;
    } else if (watch_hangup && (fds[1].revents & (POLLRDHUP | POLLHUP | POLLERR))) {
      break;
    }
  }
  if (detached) Emit(rec, "detach");
  return Ok();
}

}  // namespace berth::engine
