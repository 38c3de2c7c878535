#!/usr/bin/env bats
# exec: a new process in a running container, checked as a runc user would:
# the same namespaces and cgroups as the init (from the host's /proc), its
# own exit code, the process settings it asks for, and clean refusals.

load helpers
bats_require_minimum_version 1.5.0

setup_file() { make_template; }
setup() {
  setup_bundle_from_template
  config '.process.env += ["FROM_CONFIG=yes"]'
  run_detached sleep 1000
  INIT=$(pid_of "$CID")
}
teardown() {
  [ -n "${RECEIVER:-}" ] && kill "$RECEIVER" 2>/dev/null || true
  teardown_bundle
}

@test "the process shares every namespace and cgroup of the init" {
  rt exec -d --pid-file "$BUNDLE/exec.pid" "$CID" sleep 100
  pid=$(cat "$BUNDLE/exec.pid")
  [ "$pid" != "$INIT" ]
  for ns in pid net ipc uts mnt cgroup user; do
    [ "$(readlink "/proc/$pid/ns/$ns")" = "$(readlink "/proc/$INIT/ns/$ns")" ]
  done
  diff <(cat "/proc/$INIT/cgroup") <(cat "/proc/$pid/cgroup")
  # Inside, it sees the init as pid 1.
  run rt exec "$CID" sh -c 'cat /proc/1/cmdline | tr "\0" " "'
  [[ "$output" == "sleep 1000"* ]]
}

@test "the exit code is the process's own; a signal gives 128+N" {
  run rt exec "$CID" sh -c 'exit 42'
  [ "$status" -eq 42 ]
  run rt exec "$CID" sh -c 'kill -TERM $$'
  [ "$status" -eq 143 ]
}

@test "env, cwd, user and groups come from the flags over the config's process" {
  run rt exec -e EXTRA=1 -e FROM_CONFIG=overridden --cwd /tmp -u 1000:1001 -g 20 -g 30 "$CID" \
    sh -c 'echo "$EXTRA $FROM_CONFIG"; pwd; id -u; id -g; grep ^Groups: /proc/self/status'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "1 overridden" ]
  [ "${lines[1]}" = /tmp ]
  [ "${lines[2]}" = 1000 ]
  [ "${lines[3]}" = 1001 ]
  [ "$(echo ${lines[4]#Groups:})" = "20 30" ]
}

@test "--cap adds a capability; --no-new-privs sets NoNewPrivs" {
  run rt exec --cap CAP_SYS_ADMIN --no-new-privs "$CID" grep -E '^(CapEff|NoNewPrivs):' /proc/self/status
  echo "$output"
  [ "$status" -eq 0 ]
  eff=$(awk '$1 == "CapEff:" {print $2}' <<<"$output")
  [ $((0x$eff & (1 << 21))) -ne 0 ]  # CAP_SYS_ADMIN
  grep -q 'NoNewPrivs:	1' <<<"$output"
  run rt exec "$CID" grep -E '^CapEff:' /proc/self/status
  eff=$(awk '{print $2}' <<<"$output")
  [ $((0x$eff & (1 << 21))) -eq 0 ]
}

@test "--process takes a runtime-spec process; a bad one is refused naming the field" {
  cat >"$BUNDLE/p.json" <<'JSON'
{"args": ["sh", "-c", "echo from-process-json; id -u"], "cwd": "/", "user": {"uid": 5, "gid": 5},
 "env": ["PATH=/bin"]}
JSON
  run rt exec --process "$BUNDLE/p.json" "$CID"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = from-process-json ]
  [ "${lines[1]}" = 5 ]
  echo '{"args": "sh", "cwd": "/"}' >"$BUNDLE/bad.json"
  run --separate-stderr rt exec --process "$BUNDLE/bad.json" "$CID"
  echo "status=$status stderr=$stderr"
  [ "$status" -eq 1 ]
  assert_one_line "$stderr"
  [[ "$stderr" == *process.args* ]]
}

@test "no fd of the caller reaches the process, unless preserved" {
  exec 7>"$BUNDLE/leak"
  rt exec -d --pid-file "$BUNDLE/p1" "$CID" sleep 100 </dev/null >/dev/null 2>&1
  rt exec -d --preserve-fds 1 --pid-file "$BUNDLE/p2" "$CID" sleep 100 </dev/null >/dev/null 2>&1 3>"$BUNDLE/three"
  exec 7>&-
  [ "$(ls "/proc/$(cat "$BUNDLE/p1")/fd" | sort -n | xargs)" = "0 1 2" ]
  [ "$(ls "/proc/$(cat "$BUNDLE/p2")/fd" | sort -n | xargs)" = "0 1 2 3" ]
}

@test "a terminal exec sends the pty master to the console socket" {
  sock=$BUNDLE/console.sock
  python3 "$SRC/tests/lib/console_socket.py" "$sock" "$BUNDLE/out" >"$BUNDLE/recv.log" &
  RECEIVER=$!
  for _ in $(seq 50); do grep -q ready "$BUNDLE/recv.log" 2>/dev/null && break; sleep 0.1; done
  run rt exec -t --console-socket "$sock" "$CID" sh -c 'tty; test -t 0 && echo stdin-is-tty'
  echo "$output"
  [ "$status" -eq 0 ]
  wait "$RECEIVER"
  cat "$BUNDLE/out"
  grep -q "^/dev/pts/" "$BUNDLE/out"
  grep -q "stdin-is-tty" "$BUNDLE/out"
}

@test "exec into a paused container is refused unless --ignore-paused" {
  rt pause "$CID"
  run --separate-stderr rt exec "$CID" true
  echo "status=$status stderr=$stderr"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *paused* ]]
  rt exec -d --ignore-paused --pid-file "$BUNDLE/pp" "$CID" sleep 100
  [ -e "/proc/$(cat "$BUNDLE/pp")" ]
  rt resume "$CID"
}

@test "exec into a stopped or unknown container is refused" {
  rt kill "$CID" KILL
  wait_status "$CID" stopped
  run --separate-stderr rt exec "$CID" true
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"not running"* ]]
  run --separate-stderr rt exec no-such-ctr true
  [ "$status" -eq 1 ]
  [[ "$stderr" == *no-such-ctr* ]]
}

@test "a missing executable or bad user fails clearly and leaves no process" {
  before=$(cat "$(awk -F: '$2 == "pids" {print "/sys/fs/cgroup/pids" $3}' "/proc/$INIT/cgroup")/cgroup.procs" | wc -l)
  run --separate-stderr rt exec "$CID" /bin/no-such-thing
  [ "$status" -eq 1 ]
  assert_one_line "$stderr"
  [[ "$stderr" == *no-such-thing* ]]
  run --separate-stderr rt exec -u nobody "$CID" true
  [ "$status" -eq 1 ]
  [[ "$stderr" == *--user* ]]
  after=$(cat "$(awk -F: '$2 == "pids" {print "/sys/fs/cgroup/pids" $3}' "/proc/$INIT/cgroup")/cgroup.procs" | wc -l)
  [ "$before" = "$after" ]
}
