// LaunchExec: pipes (or a console socketpair) for the process's stdio and
// one for the report, a fork, and in the helper the runtime library's Exec.
#include "shim/exec_launch.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

#include "sys/syscalls.h"

namespace berth::shim {
namespace {

Result<std::pair<UniqueFd, UniqueFd>> Pipe() {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return FailErrno("exec: pipe");
  return std::pair{UniqueFd(p[0]), UniqueFd(p[1])};
}

Status SetNonBlocking(const UniqueFd& fd) {
  if (!fd) return Ok();
  int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK) != 0)
    return FailErrno("exec: fcntl");
  return Ok();
}

// Closes every fd from 3 up but `a` and `b` (-1: none).
void CloseAllBut(int a, int b) {
  if (a > b) std::swap(a, b);
  unsigned next = 3;
  for (int keep : {a, b}) {
    if (keep < static_cast<int>(next)) continue;
    if (static_cast<unsigned>(keep) > next) ::close_range(next, static_cast<unsigned>(keep) - 1, 0);
    next = static_cast<unsigned>(keep) + 1;
  }
  ::close_range(next, ~0U, 0);
}

// The error as docker words it: Go prints errno texts in lower case
// ("permission denied"), and berthd matches on those words.
std::string ReportText(const Error& e) {
  std::string text = e.What();
  if (e.code() != 0) {
    std::string_view name = std::strerror(e.code());
    if (!name.empty() && text.ends_with(name)) {
      char& first = text[text.size() - name.size()];
      first = static_cast<char>(std::tolower(static_cast<unsigned char>(first)));
    }
  }
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text;
}

// The helper: the process's stdio on 0-2, nothing else of the shim's but
// the report pipe and the console socket, then a detached exec.
[[noreturn]] void HelperMain(const runtime::RuntimeOptions& ro, const std::string& container_id,
                             const nlohmann::json& process, int in, int out, int err, int console,
                             int report) {
  // The process is the helper's child until the helper exits, so that a
  // failing Exec reaps what it started; then it passes to the shim.
  (void)::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  std::string line;
  if (null_fd < 0 || ::dup2(in >= 0 ? in : null_fd, 0) < 0 ||
      ::dup2(out >= 0 ? out : null_fd, 1) < 0 || ::dup2(err >= 0 ? err : null_fd, 2) < 0) {
    line = fmt::format("error exec: set up the process's stdio: {}", std::strerror(errno));
  } else {
    CloseAllBut(report, console);
    int pid = 0;
    runtime::ExecOptions eo;
    eo.id = container_id;
    eo.process = process;
    eo.detach = true;
    eo.console_fd = console;
    eo.pid_out = &pid;
    auto st = runtime::Exec(ro, eo);
    line = st ? fmt::format("ok {}", pid) : "error " + ReportText(st.error());
  }
  (void)sys::WriteAll(report, line.data(), line.size());
  ::_exit(0);
}

}  // namespace

Result<ExecLaunch> LaunchExec(const runtime::RuntimeOptions& ro, const std::string& container_id,
                              const nlohmann::json& process, const ExecStdio& stdio) {
  ExecLaunch l;
  // The helper's ends: closed in the shim once it has forked.
  UniqueFd in_r, out_w, err_w, console_theirs;
  if (stdio.terminal) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
      return FailErrno("exec: socketpair");
    l.console.Reset(sv[0]);
    console_theirs.Reset(sv[1]);
  } else {
    if (stdio.output) {
      auto [out_r, ow] = TRY(Pipe());
      auto [err_r, ew] = TRY(Pipe());
      l.out = std::move(out_r);
      l.err = std::move(err_r);
      out_w = std::move(ow);
      err_w = std::move(ew);
    }
    if (stdio.input) {
      auto [ir, iw] = TRY(Pipe());
      in_r = std::move(ir);
      l.in = std::move(iw);
    }
  }
  auto [report_r, report_w] = TRY(Pipe());
  for (const UniqueFd* fd : {&l.out, &l.err, &l.in, &l.console, &report_r})
    TRY(SetNonBlocking(*fd));

  pid_t pid = ::fork();
  if (pid < 0) return FailErrno("exec: fork");
  if (pid == 0)
    HelperMain(ro, container_id, process, in_r.get(), out_w.get(), err_w.get(),
               console_theirs.get(), report_w.get());
  l.helper_pid = pid;
  l.report = std::move(report_r);
  return l;
}

Result<int> ParseExecReport(std::string_view report) {
  while (!report.empty() && (report.back() == '\n' || report.back() == ' '))
    report.remove_suffix(1);
  if (report.starts_with("error ")) return Fail("{}", report.substr(6));
  if (report.starts_with("ok ")) {
    auto digits = report.substr(3);
    int pid = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
    if (ec == std::errc() && end == digits.data() + digits.size() && pid > 0) return pid;
  }
  return Fail("exec: its helper ended without a report");
}

}  // namespace berth::shim
