#!/usr/bin/env bats
# linux.seccomp, observed from inside the container: what each action does
# to the process, argument conditions, flags, and clear refusals.

load helpers
bats_require_minimum_version 1.5.0

setup_file() { make_template; }
setup() { setup_bundle_from_template; }
teardown() { teardown_bundle; }

# seccomp JSON: sets linux.seccomp.
seccomp() {
  config ".linux.seccomp = $1"
}

@test "ERRNO returns errnoRet; without it, EPERM" {
  seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28},
    {"names": ["rmdir"], "action": "SCMP_ACT_ERRNO"}]}'
  run_in sh -c 'mkdir /dev/shm/a 2>&1; rmdir /dev/shm 2>&1; grep ^Seccomp: /proc/self/status'
  echo "$output"
  [[ "${lines[0]}" == *"No space left on device"* ]]  # errno 28
  [[ "${lines[1]}" == *"Operation not permitted"* ]]
  [ "${lines[2]}" = "Seccomp:	2" ]
}

@test "defaultAction ERRNO with defaultErrnoRet denies what is not allowed" {
  # An allowlist of what busybox sh needs to run one builtin echo and exit.
  seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["getpid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
  run_in sh -c 'echo $$'
  [ "$status" -eq 0 ]
  seccomp '{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 13, "syscalls": [
    {"names": ["execve", "brk", "mmap", "munmap", "mprotect", "arch_prctl", "set_tid_address",
      "rt_sigaction", "rt_sigprocmask", "getpid", "getppid", "getuid", "geteuid", "getgid",
      "getegid", "write", "exit_group", "exit", "read", "ioctl", "fcntl", "uname", "getcwd",
      "prlimit64", "set_robust_list", "rseq", "close", "dup2", "stat", "newfstatat", "fstat",
      "lseek", "rt_sigreturn", "wait4", "getrandom", "readlink", "sigaltstack", "openat",
      "access", "faccessat", "faccessat2", "gettid", "clone", "fork", "vfork"],
      "action": "SCMP_ACT_ALLOW"}]}'
  run_in sh -c 'echo allowed; mkdir /dev/shm/x 2>&1'
  echo "$output"
  [ "${lines[0]}" = allowed ]
  [[ "${lines[1]}" == *"Permission denied"* ]]  # errno 13 from the default
}

@test "KILL_PROCESS kills with SIGSYS (run returns 159)" {
  seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_KILL_PROCESS"}]}'
  # The process itself makes the call (exec: no shell left to survive).
  run_in sh -c 'exec mkdir /dev/shm/x'
  echo "status=$status $output"
  [ "$status" -eq 159 ]
}

@test "TRAP delivers SIGSYS to the process" {
  seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_TRAP"}]}'
  run_in sh -c 'exec mkdir /dev/shm/x'
  echo "status=$status"
  [ "$status" -eq 159 ]
}

@test "argument conditions select which calls are denied" {
  # kill(pid, SIGUSR1) is denied; kill(pid, 0) is not (arg 1 is the signal).
  seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["kill"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
     "args": [{"index": 1, "value": 10, "op": "SCMP_CMP_EQ"}]}]}'
  run_in sh -c 'trap "" USR1; kill -USR1 $$ 2>&1; echo usr1=$?; kill -0 $$; echo zero=$?'
  echo "$output"
  grep -qx 'usr1=1' <<<"$output"
  grep -qx 'zero=0' <<<"$output"
}

@test "syscall names this libseccomp does not know are skipped, as runc does" {
  seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["berth_no_such_syscall", "mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
  run_in sh -c 'mkdir /dev/shm/x 2>&1'
  echo "status=$status $output"
  [[ "$output" == *"Operation not permitted"* ]]
}

@test "flags LOG and SPEC_ALLOW are accepted and the filter loads" {
  seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_LOG"}]}'
  run_in sh -c 'mkdir /dev/shm/x && echo logged-but-allowed; grep ^Seccomp: /proc/self/status'
  echo "$output"
  [ "${lines[0]}" = logged-but-allowed ]
  [ "${lines[1]}" = "Seccomp:	2" ]
}

@test "a bad action, architecture, operator or flag is refused naming it" {
  set_args true
  for sc in '{"defaultAction": "SCMP_ACT_BOGUS"}' \
            '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_PDP11"]}' \
            '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_SOMETIMES"}]}]}' \
            '{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_BOGUS"]}'; do
    seccomp "$sc"
    run --separate-stderr rt create --bundle "$BUNDLE" "$CID"
    echo "status=$status stderr=$stderr"
    [ "$status" -eq 1 ]
    assert_one_line "$stderr"
    [[ "$stderr" == *linux.seccomp* ]]
    assert_no_leftovers "$CID"
  done
}

@test "NOTIFY: the agent at listenerPath gets the listener and answers the calls" {
  sock=$BUNDLE/agent.sock
  python3 "$SRC/tests/lib/seccomp_agent.py" "$sock" "$BUNDLE/agent.json" 30 >"$BUNDLE/agent.log" 2>&1 &
  AGENT=$!
  for _ in $(seq 50); do grep -q ready "$BUNDLE/agent.log" 2>/dev/null && break; sleep 0.1; done
  seccomp "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"$sock\",
    \"listenerMetadata\": \"berth-test-meta\",
    \"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}"
  run_in sh -c 'mkdir /dev/shm/x 2>&1; [ -d /dev/shm/x ] || echo not-made'
  echo "$output"
  wait "$AGENT" || true
  cat "$BUNDLE/agent.json"
  [ "$status" -eq 0 ]
  # The agent's answer (errno 30, EROFS) is what the process saw.
  [[ "${lines[0]}" == *"Read-only file system"* ]]
  [ "${lines[1]}" = not-made ]
  [ "$(cat "$BUNDLE/agent.json.count")" -ge 1 ]
  [ "$(jq -r '.fds[0]' "$BUNDLE/agent.json")" = seccompFd ]
  [ "$(jq -r .metadata "$BUNDLE/agent.json")" = berth-test-meta ]
  [ "$(jq -r .state.id "$BUNDLE/agent.json")" = "$CID" ]
  [ "$(jq -r .pid "$BUNDLE/agent.json")" -gt 0 ]
}

@test "NOTIFY without a reachable agent fails start clearly and stops the container" {
  seccomp "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"$BUNDLE/nobody.sock\",
    \"syscalls\": [{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}"
  create_ctr sleep 100
  pid=$(pid_of "$CID")
  run --separate-stderr rt start "$CID"
  echo "status=$status stderr=$stderr"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *listenerPath* ]]
  wait_status "$CID" stopped
  pid_gone "$pid"
}
