// The poll loop. Each turn: reap children; copy what the container wrote
// (log first, then attached clients); take the reports of exec helpers and
// copy what execs wrote to their streams; accept clients; read their
// requests or stdin bytes; write what they are owed. Once the init has
// exited and its output has reached end of file (or a short drain time has
// passed, for output held open by a process that outlived the init), the
// exit is recorded and the container deleted; the loop then lingers until
// every client has been sent what it is owed. An exec ends the same way:
// its process reaped and its output at end of file (or drained a while).
#include "shim/shim_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <memory>
#include <vector>

#include "base/clock.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/cgroup/resources.h"
#include "runtime/console_proxy.h"
#include "runtime/container_state.h"
#include "shim/exec_launch.h"
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
  // The connection is a stream: the container's, or with exec_id an exec's.
  bool attached = false;
  bool stdin_once = false;
  bool waiting = false;        // a wait request is pending
  bool exec_starting = false;  // an exec request awaits its helper's report
  bool exec_waiting = false;   // an exec-wait request is pending
  std::string exec_id;         // the exec of the three above
  bool read_closed = false;    // the client sent end of file
  bool finished = false;       // close once `out` is sent
  bool dead = false;

  // No further requests are read while one is pending or once streaming.
  bool Busy() const { return waiting || exec_starting || exec_waiting || attached || finished; }
};

// A process's stdin: bytes held while its pipe (or pty) is full.
struct StdinFeed {
  UniqueFd fd;  // invalid: the process has none (bytes are discarded)
  std::string pending;
  bool tty = false;

  void Feed(std::string_view data) {
    if (!fd) return;
    pending.append(data);
    Flush();
  }
  void Flush() {
    while (fd && !pending.empty()) {
      ssize_t n = ::write(fd.get(), pending.data(), pending.size());
      if (n > 0) {
        pending.erase(0, static_cast<size_t>(n));
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && errno == EAGAIN) {
        return;
      } else {
        // The process closed its stdin: nothing more can go in.
        Drop();
      }
    }
    if (pending.empty() && pending.capacity() > 64 * 1024) pending.shrink_to_fit();
  }
  // End of file for the reader, after what is pending (as far as it fits).
  void Close() {
    if (!fd) return;
    Flush();
    if (tty) {
      // A pty has no half-close: end of file is the terminal's EOF character.
      if (::write(fd.get(), "\x04", 1) < 0) {
      }
    }
    Drop();
  }
  void Drop() {
    pending.clear();
    fd.Reset();
  }
};

// One exec: from the request, through its helper's report, to its end.
struct ExecProcess {
  std::string id;
  bool tty = false;
  bool detach = false;
  int helper_pid = 0;       // until the helper is reaped
  UniqueFd report;          // until the helper's report is complete
  std::string report_text;  // what it has said so far
  UniqueFd console;         // with a tty: where the pty master arrives
  bool started = false;     // answered ok: pid is the process
  bool gone = false;        // failed to start: dropped at the next turn
  int pid = 0;
  bool exited = false;
  int exit_code = 0;
  int64_t drain_deadline = 0;
  bool done = false;  // exited and its output read to the end (or drained)
  UniqueFd out, err;  // stdout and stderr pipes, or the pty master (out)
  StdinFeed in;       // stdin pipe, or a dup of the master
};

// A child reaped while an exec was starting whose pid was not yet known:
// it may be that exec's process, which can exit before its report is read.
struct Unclaimed {
  int pid;
  int status;
};
constexpr size_t kMaxUnclaimed = 256;

class Server {
 public:
  explicit Server(RunningContainer c) : c_(std::move(c)) {
    record_.id = c_.id;
    record_.pid = c_.pid;
    record_.started_at = c_.started_at;
    stdin_.fd = std::move(c_.in);
    stdin_.tty = c_.tty;
    if (c_.attach_wait_ms > 0) hold_until_ = NowMs() + c_.attach_wait_ms;
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
  StdinFeed* FeedOf(const Client& cl);
  std::string StateAnswer() const;
  void DropClients();

  // Exec.
  void StartExec(Client& cl, const Request& r);
  void ReadExecReport(ExecProcess& e);
  void ExecStarted(ExecProcess& e);
  void ReadExecOutput(ExecProcess& e, UniqueFd& fd, uint8_t stream);
  void CheckExecs();
  void FinishExec(ExecProcess& e);
  ExecProcess* FindExec(std::string_view id);
  Client* StreamOf(const ExecProcess& e);
  static std::string ExecState(const ExecProcess& e);
  int64_t NextExecDeadline() const;

  RunningContainer c_;
  ExitRecord record_;
  LineSplitter out_split_, err_split_;
  std::vector<std::unique_ptr<Client>> clients_;
  StdinFeed stdin_;                                  // the container's
  std::vector<std::unique_ptr<ExecProcess>> execs_;  // oldest first
  std::vector<Unclaimed> unclaimed_;
  bool init_exited_ = false;
  bool finalized_ = false;
  int status_ = 0;
  int64_t drain_deadline_ = 0, linger_deadline_ = 0;
  // While set, the container's output is not read (it waits in the
  // kernel's buffers) until an attach client comes or this time passes.
  int64_t hold_until_ = 0;
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
    if (pid == c_.pid && !init_exited_) {
      init_exited_ = true;
      record_.exit_code = ExitCodeOf(status);
      record_.finished_at = NowRfc3339Nano();
      drain_deadline_ = NowMs() + kDrainMs;
      continue;
    }
    bool claimed = false, starting = false;
    for (auto& e : execs_) {
      if (e->helper_pid == pid) {
        e->helper_pid = 0;
        claimed = true;
      } else if (e->started && !e->exited && e->pid == pid) {
        e->exited = true;
        e->exit_code = ExitCodeOf(status);
        e->drain_deadline = NowMs() + kDrainMs;
        claimed = true;
      }
      starting |= !e->started && !e->gone;
    }
    if (!claimed && starting && unclaimed_.size() < kMaxUnclaimed)
      unclaimed_.push_back({pid, status});
  }
}

void Server::Emit(std::string_view data, uint8_t stream) {
  // Attached clients get the bytes as they came; a tty is one raw stream.
  for (auto& cl : clients_) {
    if (!cl->attached || !cl->exec_id.empty() || cl->finished || cl->dead) continue;
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
    if (c_.tty) stdin_.Drop();  // the same pty
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
  stdin_.Close();
  // The execs' processes died with the init's pid namespace; any that did
  // not (the container shares the host's) go now, so that their streams end.
  for (auto& e : execs_)
    if (e->started && !e->exited) ::kill(e->pid, SIGKILL);

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
    if (cl->attached && cl->exec_id.empty()) cl->finished = true;
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

StdinFeed* Server::FeedOf(const Client& cl) {
  if (cl.exec_id.empty()) return &stdin_;
  ExecProcess* e = FindExec(cl.exec_id);
  return e ? &e->in : nullptr;
}

void Server::ReadClient(Client& cl) {
  char buf[16 * 1024];
  for (;;) {
    ssize_t n = ::read(cl.fd.get(), buf, sizeof buf);
    if (n > 0) {
      if (cl.attached) {
        StdinFeed* feed = FeedOf(cl);
        if (!feed) continue;  // its exec is forgotten: nothing reads
        feed->Feed(std::string_view(buf, static_cast<size_t>(n)));
        if (!feed->pending.empty()) return;  // the rest when stdin drains
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
    if (cl.attached && cl.stdin_once)
      if (StdinFeed* feed = FeedOf(cl)) feed->Close();
    if (!cl.Busy()) cl.finished = true;
    return;
  }
}

void Server::HandleRequests(Client& cl) {
  while (!cl.Busy()) {
    size_t nl = cl.in.find('\n');
    if (nl == std::string::npos) break;
    std::string line = cl.in.substr(0, nl);
    cl.in.erase(0, nl + 1);
    // An exec's request line can be large: its memory goes back.
    if (cl.in.capacity() > 64 * 1024) cl.in.shrink_to_fit();
    auto r = ParseRequest(line);
    if (!r) {
      cl.out += ErrorAnswer(r.error().What());
      continue;
    }
    Answer(cl, *r);
  }
  if (cl.attached && !cl.in.empty()) {
    // Bytes sent right behind the attach request are already stdin.
    if (StdinFeed* feed = FeedOf(cl)) feed->Feed(cl.in);
    cl.in.clear();
  }
  // A client that said all it had to say is done once it is answered.
  if (cl.read_closed && !cl.Busy() && cl.in.find('\n') == std::string::npos) cl.finished = true;
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
      if (!r.exec_id.empty()) {
        ExecProcess* e = FindExec(r.exec_id);
        if (!e) {
          cl.out += ErrorAnswer(fmt::format("no such exec {}", r.exec_id));
        } else if (!e->started) {
          cl.out += ErrorAnswer(fmt::format("exec {} has not started", r.exec_id));
        } else if (e->exited) {
          cl.out += ErrorAnswer(fmt::format("exec {} is not running", r.exec_id));
        } else if (::kill(e->pid, r.signal) != 0) {
          // The shim has not reaped it, so the pid is still that process.
          cl.out += ErrorAnswer(fmt::format("exec {}: kill: {}", r.exec_id, ::strerror(errno)));
        } else {
          cl.out += "{\"ok\":true}\n";
        }
        return;
      }
      if (init_exited_) {
        cl.out += ErrorAnswer(fmt::format("container {} is not running", c_.id));
        return;
      }
      auto st = runtime::Kill(c_.ro, c_.id, r.signal, false);
      cl.out += st ? std::string("{\"ok\":true}\n") : ErrorAnswer(st.error().What());
      return;
    }
    case Op::kResize: {
      int master = c_.tty ? c_.out.get() : -1;
      if (!r.exec_id.empty()) {
        ExecProcess* e = FindExec(r.exec_id);
        if (!e) {
          cl.out += ErrorAnswer(fmt::format("no such exec {}", r.exec_id));
          return;
        }
        master = e->tty ? e->out.get() : -1;
        if (master < 0) {
          cl.out += ErrorAnswer(fmt::format("exec {} has no tty", r.exec_id));
          return;
        }
      } else if (master < 0) {
        cl.out += ErrorAnswer(fmt::format("container {} has no tty", c_.id));
        return;
      }
      winsize ws{};
      ws.ws_col = static_cast<unsigned short>(r.width);
      ws.ws_row = static_cast<unsigned short>(r.height);
      if (::ioctl(master, TIOCSWINSZ, &ws) != 0)
        cl.out += ErrorAnswer(fmt::format("resize: {}", ::strerror(errno)));
      else
        cl.out += "{\"ok\":true}\n";
      return;
    }
    case Op::kCloseStdin:
      if (!r.exec_id.empty()) {
        ExecProcess* e = FindExec(r.exec_id);
        if (!e) {
          cl.out += ErrorAnswer(fmt::format("no such exec {}", r.exec_id));
          return;
        }
        e->in.Close();
      } else {
        stdin_.Close();
      }
      cl.out += "{\"ok\":true}\n";
      return;
    case Op::kAttach:
      cl.out += c_.tty ? "{\"ok\":true,\"tty\":true}\n" : "{\"ok\":true,\"tty\":false}\n";
      cl.attached = true;
      if (hold_until_ && init_exited_) drain_deadline_ = NowMs() + kDrainMs;
      hold_until_ = 0;
      cl.stdin_once = r.stdin_once;
      // After the exit there is no more output: the stream ends at once.
      if (finalized_) cl.finished = true;
      return;
    case Op::kExec:
      StartExec(cl, r);
      return;
    case Op::kExecState:
    case Op::kExecWait: {
      ExecProcess* e = FindExec(r.exec_id);
      if (!e) {
        cl.out += ErrorAnswer(fmt::format("no such exec {}", r.exec_id));
      } else if (r.op == Op::kExecState || e->done) {
        cl.out += ExecState(*e);
      } else {
        cl.exec_waiting = true;
        cl.exec_id = r.exec_id;
      }
      return;
    }
  }
}

ExecProcess* Server::FindExec(std::string_view id) {
  for (auto& e : execs_)
    if (e->id == id && !e->gone) return e.get();
  return nullptr;
}

Client* Server::StreamOf(const ExecProcess& e) {
  for (auto& cl : clients_)
    if (cl->attached && cl->exec_id == e.id && !cl->finished && !cl->dead) return cl.get();
  return nullptr;
}

std::string Server::ExecState(const ExecProcess& e) {
  return ExecStateAnswer(e.id, e.pid, e.started && !e.exited, e.exit_code);
}

void Server::StartExec(Client& cl, const Request& r) {
  if (init_exited_) {
    cl.out += ErrorAnswer(fmt::format("container {} is not running", c_.id));
    return;
  }
  if (FindExec(r.exec_id)) {
    cl.out += ErrorAnswer(fmt::format("exec {} already exists", r.exec_id));
    return;
  }
  // Detached: stdin /dev/null, output discarded at the source (docker
  // keeps none of it). A pty is still needed for process.terminal; its
  // output is read and dropped, or the process would block on it.
  ExecStdio io{.terminal = r.terminal, .output = !r.detach, .input = !r.detach && r.stdin};
  auto launch = LaunchExec(c_.ro, c_.id, r.process, io);
  if (!launch) {
    cl.out += ErrorAnswer(launch.error().What());
    return;
  }
  auto e = std::make_unique<ExecProcess>();
  e->id = r.exec_id;
  e->tty = r.terminal;
  e->detach = r.detach;
  e->helper_pid = launch->helper_pid;
  e->report = std::move(launch->report);
  e->console = std::move(launch->console);
  e->out = std::move(launch->out);
  e->err = std::move(launch->err);
  e->in.fd = std::move(launch->in);
  execs_.push_back(std::move(e));
  cl.exec_starting = true;
  cl.exec_id = r.exec_id;
}

void Server::ReadExecReport(ExecProcess& e) {
  char buf[512];
  for (;;) {
    ssize_t n = ::read(e.report.get(), buf, sizeof buf);
    if (n > 0) {
      if (e.report_text.size() < kMaxRequestLine) e.report_text.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    // End of file: the helper is done.
    e.report.Reset();
    ExecStarted(e);
    return;
  }
}

void Server::ExecStarted(ExecProcess& e) {
  auto pid = ParseExecReport(e.report_text);
  e.report_text = std::string();
  Client* cl = nullptr;
  for (auto& c : clients_)
    if (c->exec_starting && c->exec_id == e.id) cl = c.get();
  UniqueFd master;
  if (pid && e.tty) {
    auto m = runtime::TakePtyMaster(e.console.get());
    if (m && *m) {
      master = std::move(*m);
    } else {
      // Cannot happen with a process that exec'd with a terminal; if it
      // does, the process has no one to talk to.
      ::kill(*pid, SIGKILL);
      pid = Fail("exec {}: its pty master did not arrive", e.id);
    }
  }
  e.console.Reset();
  if (!pid) {
    // Nothing of it is left (the helper reaped what it started): the ID
    // is free again.
    e.gone = true;
    e.out.Reset();
    e.err.Reset();
    e.in.Drop();
    if (cl) {
      cl->exec_starting = false;
      cl->out += ErrorAnswer(pid.error().What());
      HandleRequests(*cl);
    }
    return;
  }
  e.started = true;
  e.pid = *pid;
  // It may have been reaped already, before its pid was known.
  for (auto it = unclaimed_.begin(); it != unclaimed_.end(); ++it) {
    if (it->pid != e.pid) continue;
    e.exited = true;
    e.exit_code = ExitCodeOf(it->status);
    e.drain_deadline = NowMs() + kDrainMs;
    unclaimed_.erase(it);
    break;
  }
  if (master) {
    int flags = ::fcntl(master.get(), F_GETFL);
    if (flags >= 0) ::fcntl(master.get(), F_SETFL, flags | O_NONBLOCK);
    if (!e.detach) {
      e.in.fd.Reset(::fcntl(master.get(), F_DUPFD_CLOEXEC, 3));
      e.in.tty = true;
    }
    e.out = std::move(master);
  }
  if (!cl) {
    // The client went away: nobody writes to its stdin any more.
    e.in.Close();
    return;
  }
  cl->exec_starting = false;
  cl->out += fmt::format("{{\"ok\":true,\"pid\":{}}}\n", e.pid);
  if (e.detach) {
    HandleRequests(*cl);
    return;
  }
  // The connection is the exec's stream now: its end of file is the end
  // of the process's stdin.
  cl->attached = true;
  cl->stdin_once = true;
  HandleRequests(*cl);
  if (cl->read_closed) e.in.Close();
}

void Server::ReadExecOutput(ExecProcess& e, UniqueFd& fd, uint8_t stream) {
  char buf[32 * 1024];
  Client* cl = StreamOf(e);
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n > 0) {
      // No stream (detached, or its client is gone): the output is dropped.
      if (!cl) continue;
      if (cl->out.size() > kMaxClientBacklog) {
        cl->dead = true;  // too slow: the process never waits for a reader
        cl = nullptr;
        continue;
      }
      std::string_view data(buf, static_cast<size_t>(n));
      if (e.tty)
        cl->out.append(data);
      else
        AppendFrame(&cl->out, stream, data);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    // End of file (EIO on a pty master once the last slave is closed).
    if (e.tty) e.in.Drop();  // the same pty
    fd.Reset();
    return;
  }
}

void Server::CheckExecs() {
  int64_t now = NowMs();
  // By index: finishing an exec answers its waiters, whose next requests
  // may start more execs.
  for (size_t i = 0; i < execs_.size(); ++i) {
    ExecProcess& e = *execs_[i];
    if (e.done || !e.started || !e.exited) continue;
    if ((e.out || e.err) && now < e.drain_deadline) continue;
    FinishExec(e);
  }
  // Forget failed starts, and the oldest ended execs beyond the bound.
  std::erase_if(execs_, [](const std::unique_ptr<ExecProcess>& e) { return e->gone; });
  size_t ended = 0;
  for (auto& e : execs_) ended += e->done;
  for (auto it = execs_.begin(); ended > kMaxFinishedExecs && it != execs_.end();) {
    if ((*it)->done) {
      it = execs_.erase(it);
      --ended;
    } else {
      ++it;
    }
  }
  bool starting = std::any_of(execs_.begin(), execs_.end(),
                              [](const std::unique_ptr<ExecProcess>& e) { return !e->started; });
  if (!starting && !unclaimed_.empty()) unclaimed_ = std::vector<Unclaimed>();
}

void Server::FinishExec(ExecProcess& e) {
  // What is still buffered was written before the exit.
  if (e.out) ReadExecOutput(e, e.out, kStreamStdout);
  if (e.err) ReadExecOutput(e, e.err, kStreamStderr);
  e.out.Reset();
  e.err.Reset();
  e.in.Drop();
  e.done = true;
  std::string answer = ExecState(e);
  for (size_t i = 0; i < clients_.size(); ++i) {
    Client& cl = *clients_[i];
    if (cl.exec_id != e.id) continue;
    if (cl.attached) cl.finished = true;
    if (cl.exec_waiting) {
      cl.exec_waiting = false;
      cl.out += answer;
      HandleRequests(cl);
    }
  }
}

int64_t Server::NextExecDeadline() const {
  int64_t next = -1;
  for (auto& e : execs_)
    if (e->started && e->exited && !e->done && (next < 0 || e->drain_deadline < next))
      next = e->drain_deadline;
  return next;
}

void Server::DropClients() {
  for (auto& cl : clients_) {
    if (!cl->dead && !(cl->finished && cl->out.empty())) continue;
    // An exec's stream that goes away takes the process's stdin with it.
    if (cl->attached && !cl->exec_id.empty())
      if (ExecProcess* e = FindExec(cl->exec_id)) e->in.Close();
  }
  std::erase_if(clients_, [](const std::unique_ptr<Client>& cl) {
    return cl->dead || (cl->finished && cl->out.empty());
  });
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
  // What each polled fd is, in the order they are handled.
  enum class Src {
    kSignal,
    kListener,
    kOut,
    kErr,
    kStdin,
    kReport,
    kExecOut,
    kExecErr,
    kExecIn,
    kClient
  };
  struct Slot {
    Src src;
    ExecProcess* exec = nullptr;
    Client* client = nullptr;
  };
  std::vector<pollfd> fds;
  std::vector<Slot> slots;
  auto add = [&](int fd, short events, Slot slot) {
    fds.push_back({fd, events, 0});  // fd -1: ignored by poll
    slots.push_back(slot);
  };
  for (;;) {
    // End the execs that are done, then drop the clients that are gone or
    // done. In this order: ending an exec finishes its stream, and a
    // finished stream with nothing left to send has no event to wake the
    // poll below, so dropped only next turn it would stay open until some
    // unrelated wakeup (the idle release, a second later).
    CheckExecs();
    if (init_exited_ && !finalized_ && !hold_until_ &&
        ((!c_.out && !c_.err) || NowMs() >= drain_deadline_))
      Finalize();
    DropClients();
    if (finalized_) {
      bool owed = false;
      for (auto& cl : clients_)
        owed |= !cl->out.empty() || (cl->attached && !cl->finished) || cl->exec_starting ||
                cl->exec_waiting;
      if (!owed || NowMs() >= linger_deadline_) break;
    }

    fds.clear();
    slots.clear();
    add(c_.signal_fd.get(), POLLIN, {Src::kSignal});
    add(c_.listener.get(), POLLIN, {Src::kListener});
    // Held output waits for its attach even past the exit (a short-lived
    // `docker run` container); the drain starts when the hold ends.
    if (hold_until_ && NowMs() >= hold_until_) {
      hold_until_ = 0;
      if (init_exited_) drain_deadline_ = NowMs() + kDrainMs;
    }
    add(hold_until_ ? -1 : c_.out.get(), POLLIN, {Src::kOut});
    add(hold_until_ ? -1 : c_.err.get(), POLLIN, {Src::kErr});
    add(stdin_.pending.empty() ? -1 : stdin_.fd.get(), POLLOUT, {Src::kStdin});
    for (auto& e : execs_) {
      if (e->report) add(e->report.get(), POLLIN, {Src::kReport, e.get()});
      if (!e->started) continue;
      if (e->out) add(e->out.get(), POLLIN, {Src::kExecOut, e.get()});
      if (e->err) add(e->err.get(), POLLIN, {Src::kExecErr, e.get()});
      if (e->in.fd && !e->in.pending.empty()) add(e->in.fd.get(), POLLOUT, {Src::kExecIn, e.get()});
    }
    for (auto& cl : clients_) {
      short ev = 0;
      // Stdin that cannot drain holds back the attached clients' input.
      StdinFeed* feed = cl->attached ? FeedOf(*cl) : nullptr;
      if (!cl->read_closed && !cl->waiting && !cl->exec_starting && !cl->exec_waiting &&
          !cl->finished && (!feed || feed->pending.empty()))
        ev |= POLLIN;
      if (!cl->out.empty()) ev |= POLLOUT;
      add(cl->fd.get(), ev, {Src::kClient, nullptr, cl.get()});
    }
    int64_t deadline = -1;
    if (init_exited_ && !finalized_ && !hold_until_) deadline = drain_deadline_;
    if (finalized_) deadline = linger_deadline_;
    int64_t exec_deadline = NextExecDeadline();
    if (exec_deadline >= 0 && (deadline < 0 || exec_deadline < deadline)) deadline = exec_deadline;
    if (hold_until_ && (deadline < 0 || hold_until_ < deadline)) deadline = hold_until_;
    int timeout = -1;
    if (deadline >= 0) timeout = static_cast<int>(std::max<int64_t>(0, deadline - NowMs()));
    if (timeout == -1 && release_pending_) timeout = static_cast<int>(kIdleReleaseMs);
    int ready = ::poll(fds.data(), fds.size(), timeout);
    if (ready < 0 && errno != EINTR) return 1;
    if (ready == 0 && release_pending_ && !init_exited_) {
      ReleaseStartupPages();
      release_pending_ = false;
    }
    if (ready > 0) release_pending_ = true;
    if (ready <= 0) continue;

    // Reaped first; an exec's process reaped before its helper's report
    // is read waits in unclaimed_. The listener last: new clients were
    // not polled this turn.
    if (fds[0].revents) Reap();
    for (size_t i = 2; i < fds.size(); ++i) {
      short re = fds[i].revents;
      if (!re) continue;
      const Slot& slot = slots[i];
      switch (slot.src) {
        case Src::kSignal:
        case Src::kListener:
          break;
        case Src::kOut:
          ReadOutput(c_.out, out_split_, kStreamStdout);
          break;
        case Src::kErr:
          ReadOutput(c_.err, err_split_, kStreamStderr);
          break;
        case Src::kStdin:
          stdin_.Flush();
          break;
        case Src::kReport:
          if (slot.exec->report) ReadExecReport(*slot.exec);
          break;
        case Src::kExecOut:
          if (slot.exec->out) ReadExecOutput(*slot.exec, slot.exec->out, kStreamStdout);
          break;
        case Src::kExecErr:
          if (slot.exec->err) ReadExecOutput(*slot.exec, slot.exec->err, kStreamStderr);
          break;
        case Src::kExecIn:
          slot.exec->in.Flush();
          break;
        case Src::kClient: {
          Client& cl = *slot.client;
          // POLLHUP: the peer closed both directions; after its end of file
          // was read, nothing more will come and nothing can be sent.
          if ((re & POLLERR) || ((re & POLLHUP) && cl.read_closed)) {
            cl.dead = true;
            break;
          }
          if (re & (POLLIN | POLLHUP)) ReadClient(cl);
          if (!cl.dead && !cl.out.empty()) WriteClient(cl);
          break;
        }
      }
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
