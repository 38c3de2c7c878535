// The poll loop. Each turn: reap children; copy what the container wrote
// (log first, then attached clients); accept clients; read their requests
// or stdin bytes; write what they are owed. Once the init has exited and
// its output has reached end of file (or a short drain time has passed,
// for output held open by a process that outlived the init), the exit is
// recorded and the container deleted; the loop then lingers until every
// client has been sent what it is owed.
#include "shim/shim_server.h"

#include <poll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <vector>

#include "base/clock.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/cgroup/resources.h"
#include "runtime/container_state.h"
#include "shim/exit_record.h"
#include "shim/shim_protocol.h"
#include "shim/startup_pages.h"

namespace berth::shim {
namespace {

// After the init exits, output still open (a process it left behind holds
// the pipe) is read for this long before the exit is recorded.
constexpr int64_t kDrainMs = 1000;
// After this long without events, the pages a burst of work faulted in
// (request handling, logging) are given back, so an idle shim stays small.
constexpr int64_t kIdleReleaseMs = 1000;
// After the exit is recorded, how long clients get to take what they are
// owed before the shim exits anyway.
constexpr int64_t kLingerMs = 2000;

int64_t NowMs() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct Client {
  UniqueFd fd;
  std::string in;   // request bytes not yet handled
  std::string out;  // answers and stream bytes not yet sent
  bool attached = false;
  bool stdin_once = false;
  bool waiting = false;      // a wait request is pending
  bool read_closed = false;  // the client sent end of file
  bool finished = false;     // close once `out` is sent
  bool dead = false;
};

class Server {
 public:
  explicit Server(RunningContainer c) : c_(std::move(c)) {
    record_.id = c_.id;
    record_.pid = c_.pid;
    record_.started_at = c_.started_at;
  }
  int Run();

 private:
  void Reap();
  void ReadOutput(UniqueFd& fd, LineSplitter& split, uint8_t stream);
  void Emit(std::string_view data, uint8_t stream);
  void Finalize();
  void Accept();
  void ReadClient(Client& cl);
  void HandleRequests(Client& cl);
  void Answer(Client& cl, const Request& r);
  void WriteClient(Client& cl);
  void FeedStdin(std::string_view data);
  void FlushStdin();
  void CloseStdin();
  std::string StateAnswer() const;

  RunningContainer c_;
  ExitRecord record_;
  LineSplitter out_split_, err_split_;
  std::vector<std::unique_ptr<Client>> clients_;
  std::string stdin_pending_;
  bool init_exited_ = false;
  bool finalized_ = false;
  int status_ = 0;
  int64_t drain_deadline_ = 0, linger_deadline_ = 0;
  bool release_pending_ = true;  // after launch, too
};

std::string Server::StateAnswer() const {
  auto j = ExitRecordToJson(record_);
  j["ok"] = true;
  return j.dump() + "\n";
}

void Server::Reap() {
  signalfd_siginfo si;
  while (::read(c_.signal_fd.get(), &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
  }
  int status;
  pid_t pid;
  // Orphans reparented to us are reaped too, so none stays a zombie.
  while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
    if (pid != c_.pid || init_exited_) continue;
    init_exited_ = true;
    record_.exit_code = ExitCodeOf(status);
    record_.finished_at = NowRfc3339Nano();
    drain_deadline_ = NowMs() + kDrainMs;
  }
}

void Server::Emit(std::string_view data, uint8_t stream) {
  // Attached clients get the bytes as they came; a tty is one raw stream.
  for (auto& cl : clients_) {
    if (!cl->attached || cl->finished || cl->dead) continue;
    if (cl->out.size() > kMaxClientBacklog) {
      cl->dead = true;  // too slow: dropped rather than holding up the container
      continue;
    }
    if (c_.tty)
      cl->out.append(data);
    else
      AppendFrame(&cl->out, stream, data);
  }
  if (!c_.log) return;
  timespec now;
  ::clock_gettime(CLOCK_REALTIME, &now);
  const char* name = stream == kStreamStderr ? "stderr" : "stdout";
  auto& split = stream == kStreamStderr ? err_split_ : out_split_;
  // A write error (disk full) loses that entry; the container runs on.
  split.Feed(data, [&](std::string_view text, bool newline) {
    (void)c_.log->Write(text, newline, name, now);
  });
}

void Server::ReadOutput(UniqueFd& fd, LineSplitter& split, uint8_t stream) {
  char buf[32 * 1024];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n > 0) {
      Emit(std::string_view(buf, static_cast<size_t>(n)), stream);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      if (c_.log) (void)c_.log->Flush();
      return;
    }
    // End of file (EIO on a pty master once the last slave is closed).
    if (c_.log) {
      timespec now;
      ::clock_gettime(CLOCK_REALTIME, &now);
      const char* name = stream == kStreamStderr ? "stderr" : "stdout";
      split.Finish([&](std::string_view text, bool newline) {
        (void)c_.log->Write(text, newline, name, now);
      });
      (void)c_.log->Flush();
    }
    if (c_.in.get() >= 0 && c_.tty) c_.in.Reset();  // the same pty
    fd.Reset();
    return;
  }
}

void Server::Finalize() {
  finalized_ = true;
  // What is still buffered in the pipes was written before the exit.
  if (c_.out) ReadOutput(c_.out, out_split_, kStreamStdout);
  if (c_.err) ReadOutput(c_.err, err_split_, kStreamStderr);
  auto finish = [&](LineSplitter& split, const char* name) {
    if (!c_.log) return;
    timespec now;
    ::clock_gettime(CLOCK_REALTIME, &now);
    split.Finish([&](std::string_view text, bool newline) {
      (void)c_.log->Write(text, newline, name, now);
    });
  };
  finish(out_split_, "stdout");
  finish(err_split_, "stderr");
  if (c_.log) (void)c_.log->Flush();
  c_.out.Reset();
  c_.err.Reset();
  CloseStdin();

  // An OOM kill shows in the cgroup's memory events; read before the
  // runtime removes the cgroup.
  if (auto rec = runtime::LoadRecord(c_.ro.root, c_.id); rec && rec->has_cgroup) {
    if (auto layout = runtime::cgroup::DetectLayout())
      record_.oom_killed =
          runtime::cgroup::OomKilled(runtime::cgroup::ResourceDirsOf(rec->cgroup, *layout));
  }
  record_.exited = true;
  if (!WriteExitRecord(c_.state_dir + "/exit.json", record_)) status_ = 1;
  (void)runtime::Delete(c_.ro, c_.id, true);

  std::string answer = StateAnswer();
  for (auto& cl : clients_) {
    if (cl->waiting) {
      cl->waiting = false;
      cl->out += answer;
      HandleRequests(*cl);
    }
    if (cl->attached) cl->finished = true;
  }
  linger_deadline_ = NowMs() + kLingerMs;
}

void Server::Accept() {
  for (;;) {
    int fd = ::accept4(c_.listener.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    auto cl = std::make_unique<Client>();
    cl->fd.Reset(fd);
    clients_.push_back(std::move(cl));
  }
}

void Server::FeedStdin(std::string_view data) {
  if (!c_.in) return;  // no --stdin: discarded
  stdin_pending_.append(data);
  FlushStdin();
}

void Server::FlushStdin() {
  while (c_.in && !stdin_pending_.empty()) {
    ssize_t n = ::write(c_.in.get(), stdin_pending_.data(), stdin_pending_.size());
    if (n > 0) {
      stdin_pending_.erase(0, static_cast<size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      return;
    } else {
      // The container closed its stdin: nothing more can go in.
      stdin_pending_.clear();
      c_.in.Reset();
    }
  }
}

void Server::CloseStdin() {
  if (!c_.in) return;
  FlushStdin();
  if (c_.tty) {
    // A pty has no half-close: end of file is the terminal's EOF character.
    if (::write(c_.in.get(), "\x04", 1) < 0) {
    }
  }
  stdin_pending_.clear();
  c_.in.Reset();
}

void Server::ReadClient(Client& cl) {
  char buf[16 * 1024];
  for (;;) {
    ssize_t n = ::read(cl.fd.get(), buf, sizeof buf);
    if (n > 0) {
      if (cl.attached) {
        FeedStdin(std::string_view(buf, static_cast<size_t>(n)));
        if (!stdin_pending_.empty()) return;  // the rest when stdin drains
        continue;
      }
      cl.in.append(buf, static_cast<size_t>(n));
      if (cl.in.size() > kMaxRequestLine && cl.in.find('\n') == std::string::npos) {
        cl.out += ErrorAnswer("request line too long");
        cl.finished = true;
        return;
      }
      HandleRequests(cl);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    // End of file, or an error: the client has gone (or half-closed).
    cl.read_closed = true;
    if (n < 0) cl.dead = true;
    if (cl.attached && cl.stdin_once) CloseStdin();
    if (!cl.attached && !cl.waiting) cl.finished = true;
    return;
  }
}

void Server::HandleRequests(Client& cl) {
  while (!cl.waiting && !cl.attached && !cl.finished) {
    size_t nl = cl.in.find('\n');
    if (nl == std::string::npos) return;
    std::string line = cl.in.substr(0, nl);
    cl.in.erase(0, nl + 1);
    auto r = ParseRequest(line);
    if (!r) {
      cl.out += ErrorAnswer(r.error().What());
      continue;
    }
    Answer(cl, *r);
  }
  if (cl.attached && !cl.in.empty()) {
    // Bytes sent right behind the attach request are already stdin.
    FeedStdin(cl.in);
    cl.in.clear();
  }
}

void Server::Answer(Client& cl, const Request& r) {
  switch (r.op) {
    case Op::kState:
      cl.out += StateAnswer();
      return;
    case Op::kWait:
      if (finalized_)
        cl.out += StateAnswer();
      else
        cl.waiting = true;
      return;
    case Op::kKill: {
      if (init_exited_) {
        cl.out += ErrorAnswer(fmt::format("container {} is not running", c_.id));
        return;
      }
      auto st = runtime::Kill(c_.ro, c_.id, r.signal, false);
      cl.out += st ? std::string("{\"ok\":true}\n") : ErrorAnswer(st.error().What());
      return;
    }
    case Op::kResize: {
      if (!c_.tty || !c_.out) {
        cl.out += ErrorAnswer(fmt::format("container {} has no tty", c_.id));
        return;
      }
      winsize ws{};
      ws.ws_col = static_cast<unsigned short>(r.width);
      ws.ws_row = static_cast<unsigned short>(r.height);
      if (::ioctl(c_.out.get(), TIOCSWINSZ, &ws) != 0)
        cl.out += ErrorAnswer(fmt::format("resize: {}", ::strerror(errno)));
      else
        cl.out += "{\"ok\":true}\n";
      return;
    }
    case Op::kCloseStdin:
      CloseStdin();
      cl.out += "{\"ok\":true}\n";
      return;
    case Op::kAttach:
      cl.out += c_.tty ? "{\"ok\":true,\"tty\":true}\n" : "{\"ok\":true,\"tty\":false}\n";
      cl.attached = true;
      cl.stdin_once = r.stdin_once;
      // After the exit there is no more output: the stream ends at once.
      if (finalized_) cl.finished = true;
      return;
  }
}

void Server::WriteClient(Client& cl) {
  while (!cl.out.empty()) {
    ssize_t n = ::send(cl.fd.get(), cl.out.data(), cl.out.size(), MSG_NOSIGNAL);
    if (n > 0) {
      cl.out.erase(0, static_cast<size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      return;
    } else {
      cl.dead = true;  // gone: nothing it was owed matters any more
      return;
    }
  }
  if (cl.out.capacity() > 64 * 1024) cl.out.shrink_to_fit();
}

int Server::Run() {
  std::vector<pollfd> fds;
  for (;;) {
    // Drop clients that are gone or done.
    std::erase_if(clients_, [](const std::unique_ptr<Client>& cl) {
      return cl->dead || (cl->finished && cl->out.empty());
    });
    if (init_exited_ && !finalized_ && ((!c_.out && !c_.err) || NowMs() >= drain_deadline_))
      Finalize();
    if (finalized_) {
      bool owed = false;
      for (auto& cl : clients_) owed |= !cl->out.empty() || (cl->attached && !cl->finished);
      if (!owed || NowMs() >= linger_deadline_) break;
    }

    fds.clear();
    fds.push_back({c_.signal_fd.get(), POLLIN, 0});
    fds.push_back({c_.listener.get(), POLLIN, 0});
    fds.push_back({c_.out.get(), POLLIN, 0});  // -1: ignored by poll
    fds.push_back({c_.err.get(), POLLIN, 0});
    fds.push_back({stdin_pending_.empty() ? -1 : c_.in.get(), POLLOUT, 0});
    for (auto& cl : clients_) {
      short ev = 0;
      // Stdin that cannot drain holds back the attached clients' input.
      if (!cl->read_closed && !cl->waiting && !cl->finished &&
          (!cl->attached || stdin_pending_.empty()))
        ev |= POLLIN;
      if (!cl->out.empty()) ev |= POLLOUT;
      fds.push_back({cl->fd.get(), ev, 0});
    }
    int timeout = -1;
    if (init_exited_ && !finalized_) timeout = static_cast<int>(drain_deadline_ - NowMs());
    if (finalized_) timeout = static_cast<int>(linger_deadline_ - NowMs());
    if (timeout != -1 && timeout < 0) timeout = 0;
    if (timeout == -1 && release_pending_) timeout = static_cast<int>(kIdleReleaseMs);
    int ready = ::poll(fds.data(), fds.size(), timeout);
    if (ready < 0 && errno != EINTR) return 1;
    if (ready == 0 && release_pending_ && !init_exited_) {
      ReleaseStartupPages();
      release_pending_ = false;
    }
    if (ready > 0) release_pending_ = true;

    if (fds[0].revents) Reap();
    if (fds[2].revents) ReadOutput(c_.out, out_split_, kStreamStdout);
    if (fds[3].revents) ReadOutput(c_.err, err_split_, kStreamStderr);
    if (fds[4].revents) FlushStdin();
    // Clients: only those polled this turn (Accept may add more below).
    size_t polled = fds.size() - 5;
    for (size_t i = 0; i < polled; ++i) {
      Client& cl = *clients_[i];
      short re = fds[5 + i].revents;
      // POLLHUP: the peer closed both directions; after its end of file
      // was read, nothing more will come and nothing can be sent.
      if ((re & POLLERR) || ((re & POLLHUP) && cl.read_closed)) {
        cl.dead = true;
        continue;
      }
      if (re & (POLLIN | POLLHUP)) ReadClient(cl);
      if (!cl.dead && !cl.out.empty()) WriteClient(cl);
    }
    if (fds[1].revents) Accept();
  }
  ::unlink((c_.state_dir + "/shim.sock").c_str());
  ::unlink((c_.state_dir + "/shim.pid").c_str());
  return status_;
}

}  // namespace

int Serve(RunningContainer c) {
  // The launch's code is done with: only the loop's own pages stay.
  ReleaseStartupPages();
  Server s(std::move(c));
  return s.Run();
}

}  // namespace berth::shim
