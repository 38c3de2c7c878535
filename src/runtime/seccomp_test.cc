#include "runtime/seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <string>

#include <gtest/gtest.h>

namespace berth::runtime {
namespace {

using nlohmann::json;

// A small allowlist in the shape of Docker's default profile.
json TypicalProfile() {
  return json::parse(R"({
    "defaultAction": "SCMP_ACT_ERRNO",
    "defaultErrnoRet": 1,
    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    "syscalls": [
      {"names": ["read", "write", "exit", "exit_group", "openat", "close", "fstat", "mmap",
                 "munmap", "brk", "rt_sigaction", "rt_sigprocmask", "execve", "getpid"],
       "action": "SCMP_ACT_ALLOW"},
      {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]},
      {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 4294967295, "op": "SCMP_CMP_EQ"}]},
      {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]},
      {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
      {"names": ["socketcall"], "action": "SCMP_ACT_ALLOW"}
    ]
  })");
}

TEST(CompileSeccomp, NullIsEmpty) {
  auto p = CompileSeccomp(json());
  ASSERT_TRUE(p) << p.error().What();
  EXPECT_TRUE(p->filter.empty());
  EXPECT_EQ(p->flags, 0u);
  EXPECT_FALSE(p->notify);
  EXPECT_EQ(LoadSeccomp(*p), 0);  // nothing to load
}

TEST(CompileSeccomp, TypicalProfile) {
  auto p = CompileSeccomp(TypicalProfile());
  ASSERT_TRUE(p) << p.error().What();
  EXPECT_GT(p->filter.size(), 20u);
  EXPECT_LE(p->filter.size(), 4096u);
  EXPECT_EQ(p->flags, 0u);
  EXPECT_FALSE(p->notify);
}

TEST(CompileSeccomp, EveryActionArchAndOp) {
  json j = {{"defaultAction", "SCMP_ACT_ALLOW"},
            {"architectures",
             {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64",
              "SCMP_ARCH_ARM"}},
            {"flags", {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"}},
            {"syscalls", json::array()}};
  const char* actions[] = {"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
                           "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO",        "SCMP_ACT_TRACE",
                           "SCMP_ACT_LOG"};
  const char* calls[] = {"getcwd", "getppid", "getpgid", "getsid", "umask", "sync", "uname"};
  for (size_t i = 0; i < std::size(actions); ++i)
    j["syscalls"].push_back({{"names", {calls[i]}}, {"action", actions[i]}});
  const char* ops[] = {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",       "SCMP_CMP_EQ",
                       "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"};
  for (unsigned i = 0; i < std::size(ops); ++i)
    j["syscalls"].push_back(
        {{"names", {"kill"}},
         {"action", "SCMP_ACT_ERRNO"},
         {"args", {{{"index", i % 6}, {"value", 100 + i}, {"valueTwo", 1}, {"op", ops[i]}}}}});
  auto p = CompileSeccomp(j);
  ASSERT_TRUE(p) << p.error().What();
  EXPECT_FALSE(p->filter.empty());
  EXPECT_EQ(p->flags, static_cast<unsigned>(SECCOMP_FILTER_FLAG_TSYNC |
                                            SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV));
}

TEST(CompileSeccomp, UnknownSyscallsAndDefaultActionRulesAreSkipped) {
  json j = {{"defaultAction", "SCMP_ACT_ERRNO"},
            {"syscalls",
             {{{"names", {"no_such_syscall_berth", "read"}}, {"action", "SCMP_ACT_ALLOW"}},
              {{"names", {"another_unknown"}}, {"action", "SCMP_ACT_KILL"}},
              // Same as the default (ERRNO, EPERM): libseccomp would refuse it.
              {{"names", {"write"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", EPERM}}}}};
  auto p = CompileSeccomp(j);
  ASSERT_TRUE(p) << p.error().What();
  EXPECT_FALSE(p->filter.empty());
}

TEST(CompileSeccomp, NotifyAndListener) {
  json j = {{"defaultAction", "SCMP_ACT_ALLOW"},
            {"listenerPath", "/run/agent.sock"},
            {"listenerMetadata", "meta"},
            {"syscalls", {{{"names", {"mkdir"}}, {"action", "SCMP_ACT_NOTIFY"}}}}};
  auto p = CompileSeccomp(j);
  ASSERT_TRUE(p) << p.error().What();
  EXPECT_TRUE(p->notify);
  EXPECT_EQ(p->listener_path, "/run/agent.sock");
  EXPECT_EQ(p->listener_metadata, "meta");
}

struct BadCase {
  const char* name;
  std::function<void(json&)> mutate;
  const char* error;
};

TEST(CompileSeccomp, ErrorsNameTheField) {
  const BadCase cases[] = {
      {"not an object", [](json& j) { j = "x"; }, "linux.seccomp: must be an object"},
      {"no default", [](json& j) { j.erase("defaultAction"); },
       "linux.seccomp.defaultAction: is required"},
      {"bad default", [](json& j) { j["defaultAction"] = "SCMP_ACT_NOPE"; },
       "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_NOPE\""},
      {"notify default", [](json& j) { j["defaultAction"] = "SCMP_ACT_NOTIFY"; },
       "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action"},
      {"bad default errno", [](json& j) { j["defaultErrnoRet"] = 70000; },
       "linux.seccomp.defaultErrnoRet: must be an integer from 0 to 65535"},
      {"bad action", [](json& j) { j["syscalls"][2]["action"] = "SCMP_ACT_FOO"; },
       "linux.seccomp.syscalls[2].action: unknown action \"SCMP_ACT_FOO\""},
      {"no action", [](json& j) { j["syscalls"][1].erase("action"); },
       "linux.seccomp.syscalls[1].action: is required"},
      {"bad errnoRet", [](json& j) { j["syscalls"][4]["errnoRet"] = -1; },
       "linux.seccomp.syscalls[4].errnoRet: must be an integer from 0 to 65535"},
      {"bad arch", [](json& j) { j["architectures"][1] = "SCMP_ARCH_VAX"; },
       "linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_VAX\""},
      {"bad flag", [](json& j) { j["flags"] = {"SECCOMP_FILTER_FLAG_NOPE"}; },
       "linux.seccomp.flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_NOPE\""},
      {"flags not array", [](json& j) { j["flags"] = "SECCOMP_FILTER_FLAG_LOG"; },
       "linux.seccomp.flags: must be an array"},
      {"bad op", [](json& j) { j["syscalls"][3]["args"][0]["op"] = "SCMP_CMP_FOO"; },
       "linux.seccomp.syscalls[3].args[0].op: unknown operator \"SCMP_CMP_FOO\""},
      {"index > 5", [](json& j) { j["syscalls"][3]["args"][0]["index"] = 6; },
       "linux.seccomp.syscalls[3].args[0].index: must be an integer from 0 to 5"},
      {"no value", [](json& j) { j["syscalls"][3]["args"][0].erase("value"); },
       "linux.seccomp.syscalls[3].args[0].value: is required"},
      {"names empty", [](json& j) { j["syscalls"][0]["names"] = json::array(); },
       "linux.seccomp.syscalls[0].names: must be a non-empty array of strings"},
      {"name not string", [](json& j) { j["syscalls"][0]["names"][1] = 7; },
       "linux.seccomp.syscalls[0].names[1]: must be a string"},
      {"notify without listener", [](json& j) { j["syscalls"][4]["action"] = "SCMP_ACT_NOTIFY"; },
       "linux.seccomp: SCMP_ACT_NOTIFY needs listenerPath"},
      {"notify on write",
       [](json& j) {
         j["listenerPath"] = "/x";
         j["syscalls"][0]["action"] = "SCMP_ACT_NOTIFY";
       },
       "linux.seccomp.syscalls[0]: SCMP_ACT_NOTIFY cannot be used for the write syscall"},
  };
  for (const auto& c : cases) {
    json j = TypicalProfile();
    c.mutate(j);
    auto p = CompileSeccomp(j);
    ASSERT_FALSE(p) << c.name;
    EXPECT_EQ(p.error().What(), c.error) << c.name;
    EXPECT_EQ(p.error().What().find('\n'), std::string::npos) << c.name;
  }
}

// --- Behaviour: the filter is loaded in a forked child, which reports what
// it saw through its exit code (0: as expected).

int RunInChild(const std::function<int()>& body) {
  pid_t pid = ::fork();
  if (pid == 0) {
    rlimit no_core{0, 0};  // a SIGSYS death would dump core
    ::setrlimit(RLIMIT_CORE, &no_core);
    ::_exit(body());
  }
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, 0), pid);
  return status;
}

int LoadInChild(const SeccompProgram& p) {
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  return LoadSeccomp(p);
}

// Returns errno when the raw syscall failed, 0 when it succeeded.
int ErrnoOf(long rc) { return rc < 0 ? errno : 0; }

TEST(LoadSeccomp, RulesAndConditionsApply) {
  auto p = CompileSeccomp(json::parse(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "flags": ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
              "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"],
    "syscalls": [
      {"names": ["getcwd"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
      {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22,
       "args": [{"index": 0, "value": 4294967295, "op": "SCMP_CMP_EQ"}]},
      {"names": ["getpgid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5,
       "args": [{"index": 0, "value": 12345, "op": "SCMP_CMP_EQ"},
                {"index": 0, "value": 23456, "op": "SCMP_CMP_EQ"}]},
      {"names": ["getpriority"], "action": "SCMP_ACT_ERRNO", "errnoRet": 7,
       "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"},
                {"index": 1, "value": 4242, "op": "SCMP_CMP_EQ"}]},
      {"names": ["umask"], "action": "SCMP_ACT_ERRNO", "errnoRet": 9,
       "args": [{"index": 0, "value": 448, "valueTwo": 448, "op": "SCMP_CMP_MASKED_EQ"}]},
      {"names": ["no_such_syscall_berth"], "action": "SCMP_ACT_KILL"}
    ]
  })"));
  ASSERT_TRUE(p) << p.error().What();
  int status = RunInChild([&] {
    if (LoadInChild(*p) != 0) return 100;
    char buf[256];
    if (ErrnoOf(::syscall(SYS_getcwd, buf, sizeof buf)) != 13) return 1;
    // Only the arg0 == 0xffffffff query is refused.
    if (ErrnoOf(::syscall(SYS_personality, 0xffffffffUL)) != 22) return 2;
    if (ErrnoOf(::syscall(SYS_personality, static_cast<unsigned long>(PER_LINUX))) != 0) return 3;
    // Two conditions on one argument: each is its own rule (runc's OR).
    if (ErrnoOf(::syscall(SYS_getpgid, 12345)) != 5) return 4;
    if (ErrnoOf(::syscall(SYS_getpgid, 23456)) != 5) return 5;
    if (ErrnoOf(::syscall(SYS_getpgid, 0)) != 0) return 6;
    // Conditions on different arguments must all hold (AND).
    if (ErrnoOf(::syscall(SYS_getpriority, PRIO_PROCESS, 4242)) != 7) return 7;
    if (ErrnoOf(::syscall(SYS_getpriority, PRIO_PROCESS, 0)) != 0) return 8;
    if (ErrnoOf(::syscall(SYS_getpriority, PRIO_PGRP, 4242)) == 7) return 9;
    // MASKED_EQ: (arg0 & 0700) == 0700.
    if (ErrnoOf(::syscall(SYS_umask, 0777)) != 9) return 10;
    if (ErrnoOf(::syscall(SYS_umask, 022)) != 0) return 11;
    return 0;
  });
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(LoadSeccomp, AllowlistDefaultErrno) {
  json j = TypicalProfile();
  j["defaultErrnoRet"] = 77;
  // What sanitizer runtimes call on the way out of the child.
  j["syscalls"].push_back({{"names",
                            {"sigaltstack", "gettid", "tgkill", "writev", "mprotect", "madvise",
                             "ioctl", "futex", "sched_yield", "prctl", "getppid"}},
                           {"action", "SCMP_ACT_ALLOW"}});
  auto p = CompileSeccomp(j);
  ASSERT_TRUE(p) << p.error().What();
  int status = RunInChild([&] {
    if (LoadInChild(*p) != 0) return 100;
    if (ErrnoOf(::syscall(SYS_getpid)) != 0) return 1;  // allowed
    char buf[256];
    if (ErrnoOf(::syscall(SYS_getcwd, buf, sizeof buf)) != 77) return 2;  // not listed
    if (ErrnoOf(::syscall(SYS_clone3, nullptr, 0)) != 38) return 3;       // own errnoRet
    return 0;  // _exit -> exit_group, which the list allows
  });
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(LoadSeccomp, KillProcess) {
  auto p = CompileSeccomp(json::parse(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_KILL_PROCESS"}]
  })"));
  ASSERT_TRUE(p) << p.error().What();
  int status = RunInChild([&] {
    if (LoadInChild(*p) != 0) return 100;
    ::syscall(SYS_getppid);
    return 1;
  });
  ASSERT_TRUE(WIFSIGNALED(status)) << "exit status " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGSYS);
}

// The listener fd is returned and answers for the filtered process: the
// child loads the filter (with TSYNC, which needs TSYNC_ESRCH alongside a
// listener), forks a grandchild that calls mkdirat, and answers its
// notification with errno 99.
TEST(LoadSeccomp, NotifyListener) {
  auto p = CompileSeccomp(json::parse(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "listenerPath": "/run/agent.sock",
    "flags": ["SECCOMP_FILTER_FLAG_TSYNC"],
    "syscalls": [{"names": ["mkdirat"], "action": "SCMP_ACT_NOTIFY"}]
  })"));
  ASSERT_TRUE(p) << p.error().What();
  int status = RunInChild([&] {
    int listener = LoadInChild(*p);
    if (listener <= 0) return 100;
    if (::fcntl(listener, F_GETFD) < 0) return 1;
    pid_t grandchild = ::fork();
    if (grandchild == 0) {
      ::close(listener);
      long rc = ::syscall(SYS_mkdirat, AT_FDCWD, "/nonexistent/berth-seccomp", 0700);
      ::_exit(rc < 0 && errno == 99 ? 0 : 1);
    }
    seccomp_notif req;
    std::memset(&req, 0, sizeof req);
    if (::ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) return 2;
    if (req.data.nr != SYS_mkdirat) return 3;
    seccomp_notif_resp resp;
    std::memset(&resp, 0, sizeof resp);
    resp.id = req.id;
    resp.error = -99;
    if (::ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) != 0) return 4;
    int gs = 0;
    if (::waitpid(grandchild, &gs, 0) != grandchild) return 5;
    return WIFEXITED(gs) && WEXITSTATUS(gs) == 0 ? 0 : 6;
  });
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

// SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: once the agent has received a
// notification, a non-fatal signal no longer interrupts the waiting syscall
// (Go programs, signalled constantly by their runtime, would otherwise
// never finish one). The agent receives the notification, the caller gets
// SIGUSR1, and the notification is then still valid (and answered) with
// the flag, withdrawn without it.
int NotifyThenSignal(bool killable) {
  std::string flags = killable ? R"(["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"])" : "[]";
  auto p = CompileSeccomp(json::parse(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "listenerPath": "/run/agent.sock",
    "flags": )" + flags + R"(,
    "syscalls": [{"names": ["mkdirat"], "action": "SCMP_ACT_NOTIFY"}]
  })"));
  if (!p) return -1;
  return RunInChild([&] {
    int listener = LoadInChild(*p);
    if (listener <= 0) return 100;
    pid_t grandchild = ::fork();
    if (grandchild == 0) {
      ::close(listener);
      struct sigaction sa {};
      sa.sa_handler = [](int) {};
      ::sigaction(SIGUSR1, &sa, nullptr);  // no SA_RESTART
      long rc = ::syscall(SYS_mkdirat, AT_FDCWD, "/nonexistent/berth-seccomp", 0700);
      ::_exit(rc < 0 && errno == 99 ? 0 : rc < 0 && errno == EINTR ? 1 : 2);
    }
    seccomp_notif req;
    std::memset(&req, 0, sizeof req);
    if (::ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) return 10;
    ::kill(grandchild, SIGUSR1);
    ::usleep(200 * 1000);
    bool still_valid = ::ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req.id) == 0;
    seccomp_notif_resp resp;
    std::memset(&resp, 0, sizeof resp);
    resp.id = req.id;
    resp.error = -99;
    ::ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
    int gs = 0;
    ::waitpid(grandchild, &gs, 0);
    int answered = WIFEXITED(gs) && WEXITSTATUS(gs) == 0;
    // 20: valid and answered; 21: withdrawn, the caller saw EINTR.
    if (still_valid && answered) return 20;
    if (!still_valid && WIFEXITED(gs) && WEXITSTATUS(gs) == 1) return 21;
    return 30 + WEXITSTATUS(gs);
  });
}

TEST(LoadSeccomp, WaitKillableRecvKeepsAReceivedNotificationAcrossSignals) {
  int with_flag = NotifyThenSignal(true);
  ASSERT_TRUE(WIFEXITED(with_flag)) << with_flag;
  EXPECT_EQ(WEXITSTATUS(with_flag), 20);
  int without = NotifyThenSignal(false);
  ASSERT_TRUE(WIFEXITED(without)) << without;
  EXPECT_EQ(WEXITSTATUS(without), 21);
}

}  // namespace
}  // namespace berth::runtime
