#include "runtime/hooks.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

#include "base/log.h"
#include "sys/syscalls.h"

namespace berth::runtime {

std::vector<HookPlan> PlanHooks(const std::vector<spec::Hook>& hooks) {
  std::vector<HookPlan> out(hooks.size());
  for (size_t i = 0; i < hooks.size(); ++i) {
    out[i].hook = hooks[i];
    out[i].timeout_sec = hooks[i].timeout.value_or(0);
    BindHookArrays(out[i]);
  }
  return out;
}

void BindHookArrays(HookPlan& p) {
  p.argv.clear();
  p.envp.clear();
  if (p.hook.args.empty()) {
    p.argv.push_back(p.hook.path.data());
  } else {
    for (auto& a : p.hook.args) p.argv.push_back(a.data());
  }
  p.argv.push_back(nullptr);
  for (auto& e : p.hook.env) p.envp.push_back(e.data());
  p.envp.push_back(nullptr);
}

int RunHookRaw(const HookPlan& h, const char* state, size_t state_len, char* err, size_t err_len) {
  // A socket rather than a pipe for stdin: send() with MSG_NOSIGNAL cannot
  // raise SIGPIPE when a hook exits without reading its state.
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    std::snprintf(err, err_len, "hook %s: socketpair: %s", h.hook.path.c_str(),
                  std::strerror(errno));
    return -1;
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    std::snprintf(err, err_len, "hook %s: fork: %s", h.hook.path.c_str(), std::strerror(errno));
    ::close(sv[0]);
    ::close(sv[1]);
    return -1;
  }
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    ::dup2(sv[1], STDIN_FILENO);
    sys::CloseRange(3, ~0U, 0);
    ::execve(h.hook.path.c_str(), h.argv.data(), h.envp.data());
    _exit(127);
  }
  ::close(sv[1]);
  size_t off = 0;
  while (off < state_len) {
    ssize_t n = ::send(sv[0], state + off, state_len - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;  // the hook closed stdin early: not an error by itself
    }
    off += static_cast<size_t>(n);
  }
  ::shutdown(sv[0], SHUT_WR);

  int pidfd = sys::PidfdOpen(pid);
  bool timed_out = false;
  if (pidfd >= 0 && h.timeout_sec > 0) {
    pollfd pfd{pidfd, POLLIN, 0};
    int r;
    do {
      r = ::poll(&pfd, 1, h.timeout_sec * 1000);
    } while (r < 0 && errno == EINTR);
    if (r == 0) {
      timed_out = true;
      sys::PidfdSendSignal(pidfd, SIGKILL);
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (pidfd >= 0) ::close(pidfd);
  ::close(sv[0]);
  if (timed_out) {
    std::snprintf(err, err_len, "hook %s: timed out after %d s", h.hook.path.c_str(),
                  h.timeout_sec);
    return -1;
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
    std::snprintf(err, err_len, "hook %s: could not be executed (exit 127)", h.hook.path.c_str());
  else if (WIFEXITED(status))
    std::snprintf(err, err_len, "hook %s: exited with status %d", h.hook.path.c_str(),
                  WEXITSTATUS(status));
  else
    std::snprintf(err, err_len, "hook %s: killed by signal %d", h.hook.path.c_str(),
                  WTERMSIG(status));
  return -1;
}

Status RunHooks(const char* stage, const std::vector<HookPlan>& hooks, const std::string& state) {
  char err[512];
  for (const auto& h : hooks) {
    if (RunHookRaw(h, state.data(), state.size(), err, sizeof err) != 0)
      return Fail("{} hook: {}", stage, err);
  }
  return Ok();
}

void RunHooksWarnOnly(const char* stage, const std::vector<HookPlan>& hooks,
                      const std::string& state, const std::string& id) {
  char err[512];
  for (const auto& h : hooks)
    if (RunHookRaw(h, state.data(), state.size(), err, sizeof err) != 0)
      log::Warn("container {}: {} hook: {}", id, stage, err);
}

}  // namespace berth::runtime
