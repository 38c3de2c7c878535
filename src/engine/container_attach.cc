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
#include "engine/shim_client.h"
#include "engine/stream_relay.h"
#include "shim/shim_protocol.h"
#include "sys/syscalls.h"

namespace berth::engine {
namespace {

bool WriteAllTo(int fd, std::string_view data) {
  return data.empty() || sys::WriteAll(fd, data.data(), data.size()) == 0;
}

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
  std::string keys = TRY(DetachKeysFor(options.detach_keys));
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
    if (IsRunning(cur->state)) break;
    if (cur->state.status != ContainerStatus::kCreated) return Ok();
    // Gone altogether (a half-close is a client that sends no stdin).
    pollfd p{client_fd, 0, 0};
    if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR))) return Ok();
    std::unique_lock lock(mu_);
    if (live->removed) return Ok();
    cv_.wait_for(lock, std::chrono::milliseconds(50));
  }

  // 3. The shim's stream, relayed until it ends, the client goes, or the
  // detach keys come.
  auto conn = ShimConnection::Connect(StateDir(rec.id) + "/shim.sock");
  if (!conn) return Ok();  // exited meanwhile
  if (!conn->Call({{"op", "attach"}, {"stdin_once", config.stdin_once && !config.tty}}))
    return Ok();
  StreamRelay relay;
  relay.tty = config.tty;
  relay.want_stdout = options.stdout;
  relay.want_stderr = options.stderr;
  relay.stdin = options.stdin;
  relay.detach_keys = keys;
  Emit(rec, "attach");
  bool detached =
      RelayStreams(relay, conn->fd(), conn->TakeBuffered(), client_fd, std::move(client_buffered));
  if (detached) Emit(rec, "detach");
  return Ok();
}

}  // namespace berth::engine
