#!/usr/bin/env bats
# berth-shim: launch (synchronous outcome, nothing left on failure), the
# json-file log, exit.json, the socket protocol, attach, exec, and what
# happens when its parent or the shim itself dies.

load helpers
bats_require_minimum_version 1.5.0

SHIM=${BERTH_SHIM:?set BERTH_SHIM to the berth-shim binary}

setup_file() { make_template; }
setup() {
  setup_bundle_from_template
  SD=$BUNDLE.shim
  LOG=$BUNDLE.log
  SHIM_PID=
}
teardown() {
  # Only the shim this test started, by its pid.
  if [ -n "$SHIM_PID" ] && [ -d "/proc/$SHIM_PID" ]; then kill -9 "$SHIM_PID" 2>/dev/null || true; fi
  teardown_bundle
  rm -rf "$SD" "$LOG" "$LOG".* "$BUNDLE.pid" "$BUNDLE.wait" "$BUNDLE.out" "$BUNDLE.fifo"
}

# process ARGS...: the container's process.
process() {
  local args
  args=$(printf '%s\n' "$@" | jq -R . | jq -s .)
  config ".process.args = $args"
}

# shim ARGS...: launches this test's shim; its pid in $SHIM_PID.
shim() {
  SHIM_PID=$("$SHIM" --id "$CID" --bundle "$BUNDLE" --state-dir "$SD" --runtime-root "$ROOT" \
    --log-path "$LOG" "$@")
}

# sc REQUEST: one request to the shim, its answer on stdout.
sc() {
  python3 "$SRC/tests/lib/shim_client.py" "$SD/shim.sock" "$@"
}

# exec_process ARGS...: a complete process object for an exec, built from
# the container's own as berthd builds it (env, user, caps, rlimits...),
# with ARGS and no terminal (TTY=true for one).
exec_process() {
  local args
  args=$(printf '%s\n' "$@" | jq -R . | jq -s .)
  jq -c --argjson a "$args" --argjson t "${TTY:-false}" '.process | .args = $a | .terminal = $t' \
    "$BUNDLE/config.json"
}

# exec_req ID [EXTRA-JSON] -- ARGS...: an exec request line.
exec_req() {
  local id=$1 extra='{}'
  shift
  if [ "$1" != -- ]; then
    extra=$1
    shift
  fi
  shift
  jq -cn --arg id "$id" --argjson p "$(exec_process "$@")" --argjson x "$extra" \
    '{op: "exec", exec_id: $id, process: $p} + $x'
}

# children_of PID: the pids of its children, one a line.
children_of() {
  ps --ppid "$1" -o pid= | tr -d ' '
}

# wait_for PATH: up to 10 s for a file to appear.
wait_for() {
  for _ in $(seq 100); do [ -e "$1" ] && return 0; sleep 0.1; done
  echo "$1 never appeared"
  return 1
}

# wait_gone PID: up to 10 s for a process to end.
wait_gone() {
  for _ in $(seq 100); do pid_gone "$1" && return 0; sleep 0.1; done
  echo "process $1 still there"
  return 1
}

@test "shim: exit code, both streams in the json-file log, exit.json, nothing left" {
  process sh -c 'echo out; echo err >&2; exit 3'
  shim
  [ "$SHIM_PID" -gt 0 ]
  wait_for "$SD/exit.json"
  cat "$SD/exit.json"
  [ "$(jq -r .exit_code "$SD/exit.json")" = 3 ]
  [ "$(jq -r .status "$SD/exit.json")" = exited ]
  [ "$(jq -r .oom_killed "$SD/exit.json")" = false ]
  [ "$(jq -r .id "$SD/exit.json")" = "$CID" ]
  cat "$LOG"
  [ "$(wc -l <"$LOG")" -eq 2 ]
  [ "$(jq -r 'select(.stream == "stdout") | .log' "$LOG")" = out ]
  [ "$(jq -r 'select(.stream == "stderr") | .log' "$LOG")" = err ]
  jq -e 'select(.log | endswith("\n"))' "$LOG" >/dev/null
  # docker's RFC3339Nano with nine digits, UTC.
  for t in $(jq -r .time "$LOG"); do
    [[ $t =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z$ ]]
  done
  # The shim deletes the runtime container and removes its socket.
  wait_gone "$SHIM_PID"
  [ ! -e "$ROOT/$CID" ]
  [ ! -e "$SD/shim.sock" ]
  assert_no_leftovers "$CID"
}

@test "shim: outlives its parent; state over the socket; kill 15 gives 143" {
  # Not the container's pid 1 (which ignores an unhandled TERM): TERM kills.
  config '.linux.namespaces |= map(select(.type != "pid"))'
  process sleep 1000
  # The caller is a subshell that exits at once.
  bash -c "'$SHIM' --id '$CID' --bundle '$BUNDLE' --state-dir '$SD' --runtime-root '$ROOT' >'$BUNDLE.pid'; exit 0"
  SHIM_PID=$(cat "$BUNDLE.pid")
  [ "$(cat "$SD/shim.pid")" = "$SHIM_PID" ]
  # Its own session, reparented away from the caller.
  [ "$(ps -o sid= -p "$SHIM_PID" | tr -d ' ')" = "$SHIM_PID" ]
  [ "$(ps -o ppid= -p "$SHIM_PID" | tr -d ' ')" != $$ ]
  [ "$(stat -c %a "$SD/shim.sock")" = 600 ]
  run sc '{"op":"state"}'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(jq -r .status <<<"$output")" = running ]
  pid=$(jq -r .pid <<<"$output")
  [ -d "/proc/$pid" ]
  [ "$(rt state "$CID" | jq -r .status)" = running ]
  # Bad requests are answered, and the connection is not the shim's end.
  run sc '{"op":"nope"}'
  [ "$(jq -r .ok <<<"$output")" = false ]
  [[ $(jq -r .error <<<"$output") == *nope* ]]
  # A waiter that goes away hurts nothing.
  timeout 0.5 python3 "$SRC/tests/lib/shim_client.py" "$SD/shim.sock" '{"op":"wait"}' || true
  # wait blocks until the exit; kill 15 ends it.
  sc --timeout 10 '{"op":"wait"}' >"$BUNDLE.wait" &
  waiter=$!
  sleep 0.2
  run sc '{"op":"kill","signal":15}'
  [ "$(jq -r .ok <<<"$output")" = true ]
  wait "$waiter"
  cat "$BUNDLE.wait"
  [ "$(jq -r .exit_code "$BUNDLE.wait")" = 143 ]
  [ "$(jq -r .status "$BUNDLE.wait")" = exited ]
  [ -n "$(jq -r .finished_at "$BUNDLE.wait")" ]
  [ "$(jq -r .exit_code "$SD/exit.json")" = 143 ]
  wait_gone "$SHIM_PID"
  pid_gone "$pid"
  [ ! -e "$ROOT/$CID" ]
}

@test "shim: kill -9 of the shim leaves the container and its record, and no exit.json" {
  process sleep 1000
  shim
  pid=$(sc '{"op":"state"}' | jq -r .pid)
  kill -9 "$SHIM_PID"
  wait_gone "$SHIM_PID"
  # The container runs on (it writes nothing, so a closed pipe does not
  # reach it); its record stays for berthd to find, with no exit.json:
  # the exit is unknown, and berthd must report it and delete it.
  [ -d "/proc/$pid" ]
  [ "$(rt state "$CID" | jq -r .status)" = running ]
  [ ! -e "$SD/exit.json" ]
  run sc '{"op":"state"}'
  [ "$status" -ne 0 ]
}

@test "shim: output written just before the exit is all in the log" {
  process sh -c 'seq 50000; seq 20000 >&2; printf tail-without-newline; exit 4'
  shim
  wait_for "$SD/exit.json"
  [ "$(jq -r .exit_code "$SD/exit.json")" = 4 ]
  [ "$(jq -r 'select(.stream == "stdout") | .log' "$LOG" | grep -c .)" -eq 50001 ]
  [ "$(jq -r 'select(.stream == "stderr") | .log' "$LOG" | grep -c .)" -eq 20000 ]
  # The last, unterminated text is logged as it is, without a newline.
  [ "$(tail -1 "$LOG" | jq -r .log)" = tail-without-newline ] ||
    grep -q '"log":"tail-without-newline","stream":"stdout"' "$LOG"
}

@test "shim: an OOM kill is recorded in exit.json" {
  config '.linux.resources.memory.limit = 16777216 | .linux.resources.memory.swap = 16777216'
  process sh -c 'a=x; while :; do a="$a$a"; done'
  shim
  wait_for "$SD/exit.json"
  cat "$SD/exit.json"
  [ "$(jq -r .exit_code "$SD/exit.json")" = 137 ]
  [ "$(jq -r .oom_killed "$SD/exit.json")" = true ]
}

@test "shim: log rotation at --log-max-size into FILE.1 .. FILE.(max-file - 1)" {
  process sh -c 'for i in $(seq 40); do echo line-$i; done'
  shim --log-max-size 300 --log-max-file 3
  wait_for "$SD/exit.json"
  ls -l "$LOG"*
  [ -s "$LOG" ]
  [ -s "$LOG.1" ]
  [ -s "$LOG.2" ]
  [ ! -e "$LOG.3" ]
  # The newest lines are in FILE, the older ones in FILE.1.
  grep -q line-40 "$LOG"
  ! grep -q line-40 "$LOG.1"
  jq -e . "$LOG.1" >/dev/null
}

@test "shim: attach streams output (multiplexed) and feeds stdin; stdin_once closes it" {
  process sh -c 'echo ready >&2; cat; echo done'
  shim --stdin
  run sc --timeout 10 '{"op":"attach","stdin_once":true}' <<<"hello shim"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(head -1 <<<"$output" | jq -r .tty)" = false ]
  [[ $output == *"stdout: hello shim"* ]]
  [[ $output == *"done"* ]]
  wait_for "$SD/exit.json"
  [ "$(jq -r .exit_code "$SD/exit.json")" = 0 ]
  grep -q '"log":"hello shim\\n","stream":"stdout"' "$LOG"
}

@test "shim: a tty: raw attach stream, resize, everything logged as stdout" {
  config '.process.terminal = true'
  process sh -c 'read line; stty size; echo "got $line" >&2'
  shim --tty --stdin
  run sc '{"op":"resize","width":100,"height":30}'
  [ "$(jq -r .ok <<<"$output")" = true ]
  run sc --timeout 10 '{"op":"attach","stdin_once":true}' <<<"typed"
  echo "$output"
  [ "$(head -1 <<<"$output" | jq -r .tty)" = true ]
  [[ $output == *"30 100"* ]]
  [[ $output == *"got typed"* ]]
  wait_for "$SD/exit.json"
  [ "$(jq -r .exit_code "$SD/exit.json")" = 0 ]
  ! grep -q '"stream":"stderr"' "$LOG"
  grep -q 'got typed' "$LOG"
}

@test "shim: resize without a tty and close-stdin" {
  process cat
  shim --stdin
  run sc '{"op":"resize","width":80,"height":24}'
  [ "$(jq -r .ok <<<"$output")" = false ]
  run sc '{"op":"close-stdin"}'
  [ "$(jq -r .ok <<<"$output")" = true ]
  wait_for "$SD/exit.json"
  [ "$(jq -r .exit_code "$SD/exit.json")" = 0 ]
}

@test "shim: a bad bundle fails the launch with one line and leaves nothing" {
  process /no/such/program
  run --separate-stderr "$SHIM" --id "$CID" --bundle "$BUNDLE" --state-dir "$SD" \
    --runtime-root "$ROOT" --log-path "$LOG"
  echo "stdout: $output"
  echo "stderr: $stderr"
  [ "$status" -eq 1 ]
  [ -z "$output" ]
  [ "$(wc -l <<<"$stderr")" -eq 1 ]
  [[ $stderr == berth-shim:* ]]
  [ ! -e "$ROOT/$CID" ]
  [ ! -e "$SD" ]
  [ ! -e "$LOG" ]
  ! pgrep -f -- "--id $CID" >/dev/null
  assert_no_leftovers "$CID"

  run --separate-stderr "$SHIM" --id "$CID" --bundle "$BUNDLE.missing" --state-dir "$SD" \
    --runtime-root "$ROOT"
  echo "stderr: $stderr"
  [ "$status" -eq 1 ]
  [[ $stderr == *"$BUNDLE.missing"* ]]
  [ ! -e "$SD" ]
  [ ! -e "$ROOT/$CID" ]
}

@test "shim exec: pipes, docker's frames on the stream, stdout apart from stderr, exit code" {
  process sleep 1000
  shim
  init=$(sc '{"op":"state"}' | jq -r .pid)
  sc --raw "$(exec_req e1 -- sh -c 'printf out; sleep 0.2; printf "err\n" >&2; exit 3')" \
    </dev/null >"$BUNDLE.out"
  head -1 "$BUNDLE.out"
  [ "$(head -1 "$BUNDLE.out" | jq -r .ok)" = true ]
  [ "$(head -1 "$BUNDLE.out" | jq -r .pid)" -gt 0 ]
  # After the answer: one frame per write, {stream,0,0,0,size BE32} + bytes.
  frames=$(tail -n +2 "$BUNDLE.out" | od -An -tx1 | tr -d ' \n')
  echo "$frames"
  [ "$frames" = 01000000000000036f757402000000000000046572720a ]
  # The stream ended after the exit: its code is known.
  run sc '{"op":"exec-state","exec_id":"e1"}'
  echo "$output"
  [ "$(jq -r .running <<<"$output")" = false ]
  [ "$(jq -r .exit_code <<<"$output")" = 3 ]
  [ "$(jq -r .exec_id <<<"$output")" = e1 ]
  # Decoded: each stream under its own name.
  run sc "$(exec_req e2 -- sh -c 'echo to-out; echo to-err >&2')" </dev/null
  echo "$output"
  [[ $output == *"stdout: to-out"* ]]
  [[ $output == *"stderr: to-err"* ]]
  # The container runs on; only its init is the shim's child.
  [ "$(sc '{"op":"state"}' | jq -r .status)" = running ]
  [ "$(children_of "$SHIM_PID")" = "$init" ]
}

# timed_stream REQUEST HALF-CLOSE: sends one request and reads to the
# shim's end of file, timed inside one process (the client's interpreter
# start is not the shim's time). HALF-CLOSE 1: shutdown(SHUT_WR) right
# after the request, as sc does with stdin at end of file. Prints the
# seconds taken, the answer line, and the stream's bytes in hex.
timed_stream() {
  python3 - "$SD/shim.sock" "$1" "$2" <<'PY'
import socket, sys, time
path, req, half = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
s.settimeout(10)
start = time.monotonic()
s.sendall(req.encode() + b"\n")
if half:
    s.shutdown(socket.SHUT_WR)
data = b""
while chunk := s.recv(65536):
    data += chunk
answer, _, stream = data.partition(b"\n")
print("%.3f" % (time.monotonic() - start))
print(answer.decode())
print(stream.hex())
PY
}

@test "shim exec: a plain exec's stream ends once its process has exited, not a drain later" {
  process sleep 1000
  shim
  # Nothing holds these processes' output open past their exit: the stream
  # ends at once (the 1 s drain is for output a leftover process holds),
  # whether or not the client half-closed its end.
  local n=0 half
  for half in 1 0; do
    n=$((n + 1))
    run timed_stream "$(exec_req "t$n" '{"stdin":false}' -- true)" "$half"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(sed -n 2p <<<"$output" | jq -r .ok)" = true ]
    [ -z "${lines[2]:-}" ]
    awk -v t="${lines[0]}" 'BEGIN { exit !(t < 0.5) }'
    run timed_stream "$(exec_req "h$n" '{"stdin":false}' -- echo hi)" "$half"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(sed -n 2p <<<"$output" | jq -r .ok)" = true ]
    [ "${lines[2]}" = 010000000000000368690a ]
    awk -v t="${lines[0]}" 'BEGIN { exit !(t < 0.5) }'
    [ "$(sc "{\"op\":\"exec-state\",\"exec_id\":\"h$n\"}" | jq -r .running)" = false ]
  done
}

@test "shim exec: stdin from the stream, end of file closes it" {
  process sleep 1000
  shim
  run sc "$(exec_req cat1 -- sh -c 'cat; echo cat-done')" <<<"hello exec"
  echo "$output"
  [ "$status" -eq 0 ]
  # Both writes on stdout, in one frame or two (a frame is what one read got).
  [[ $output =~ "stdout: hello exec"$'\n'("stdout: ")?"cat-done" ]]
  [[ $output != *stderr* ]]
  [ "$(sc '{"op":"exec-state","exec_id":"cat1"}' | jq -r .exit_code)" = 0 ]
  # "stdin":false: /dev/null, whatever the client sends.
  run sc "$(exec_req cat2 '{"stdin":false}' -- sh -c 'cat; echo eof-at-once')" < <(sleep 3)
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"stdout: eof-at-once"* ]]
}

@test "shim exec: a tty is raw both ways, tty is a /dev/pts, resize reaches stty size" {
  process sleep 1000
  shim
  run sc --raw "$(TTY=true exec_req t1 -- tty)" </dev/null
  echo "$output"
  [ "$(head -1 <<<"$output" | jq -r .ok)" = true ]
  # Raw: the pty's own bytes, no frame headers.
  [[ $(sed -n 2p <<<"$output") =~ ^/dev/pts/[0-9]+$'\r'?$ ]]
  ! tail -n +2 <<<"$output" | grep -q $'\x01'
  # Resize while it waits for its input (held back in a fifo); then it
  # prints the size.
  mkfifo "$BUNDLE.fifo"
  sc --timeout 20 "$(TTY=true exec_req t2 -- sh -c 'read x; stty size; exit 5')" \
    <"$BUNDLE.fifo" >"$BUNDLE.out" &
  client=$!
  exec {writer}>"$BUNDLE.fifo"
  for _ in $(seq 100); do
    [ "$(sc '{"op":"exec-state","exec_id":"t2"}' | jq -r .running)" = true ] && break
    sleep 0.1
  done
  run sc '{"op":"resize","exec_id":"t2","width":123,"height":45}'
  echo "$output"
  [ "$(jq -r .ok <<<"$output")" = true ]
  echo go >&"$writer"
  exec {writer}>&-
  wait "$client"
  cat "$BUNDLE.out"
  grep -q '^45 123' "$BUNDLE.out"
  [ "$(sc '{"op":"exec-state","exec_id":"t2"}' | jq -r .exit_code)" = 5 ]
  # Not an exec's pty: refused.
  run sc "$(exec_req p1 '{"detach":true}' -- true)"
  run sc '{"op":"resize","exec_id":"p1","width":80,"height":24}'
  [ "$(jq -r .ok <<<"$output")" = false ]
  [[ $(jq -r .error <<<"$output") == *"no tty"* ]]
  # The container has no tty either.
  run sc '{"op":"resize","width":80,"height":24}'
  [ "$(jq -r .ok <<<"$output")" = false ]
}

@test "shim exec: a missing binary or no permission fails with docker's words, leaving nothing" {
  process sleep 1000
  shim
  init=$(sc '{"op":"state"}' | jq -r .pid)
  run sc "$(exec_req m1 -- no-such-binary)"
  echo "$output"
  [ "$(jq -r .ok <<<"$output")" = false ]
  [[ $(jq -r .error <<<"$output") == *"executable file not found"* ]]
  run sc "$(exec_req m2 -- /no/such/path)"
  [[ $(jq -r .error <<<"$output") == *"executable file not found"* ]]
  run sc "$(exec_req m3 -- /etc/passwd)"
  echo "$output"
  [[ $(jq -r .error <<<"$output") == *"permission denied"* ]]
  # No process (no helper, no half-started exec), no record: the ID is free.
  sleep 0.2
  [ "$(children_of "$SHIM_PID")" = "$init" ]
  [ -z "$(ps -eo args | grep -e no-such-binary | grep -v grep)" ]
  run sc '{"op":"exec-state","exec_id":"m1"}'
  [ "$(jq -r .ok <<<"$output")" = false ]
  run sc "$(exec_req m1 -- true)" </dev/null
  [ "$(head -1 <<<"$output" | jq -r .ok)" = true ]
  # Bad requests are refused before anything runs.
  run sc '{"op":"exec","exec_id":"bad id","process":{"args":["true"]}}'
  [[ $(jq -r .error <<<"$output") == *invalid* ]]
  run sc '{"op":"exec","exec_id":"x"}'
  [[ $(jq -r .error <<<"$output") == *process* ]]
}

@test "shim exec: detached, exec-wait, exec-state, kill, duplicate IDs; output in no log" {
  process sh -c 'echo container-line; sleep 1000'
  shim
  init=$(sc '{"op":"state"}' | jq -r .pid)
  # Detached: the answer, then the same connection takes more requests.
  run sc "$(exec_req d1 '{"detach":true}' -- sh -c 'echo detached-output; echo detached-err >&2; sleep 1; exit 7')" \
    '{"op":"exec-state","exec_id":"d1"}' '{"op":"exec-wait","exec_id":"d1"}'
  echo "$output"
  [ "$(sed -n 1p <<<"$output" | jq -r .ok)" = true ]
  pid=$(sed -n 1p <<<"$output" | jq -r .pid)
  [ "$(sed -n 2p <<<"$output" | jq -r .running)" = true ]
  [ "$(sed -n 2p <<<"$output" | jq -r .pid)" = "$pid" ]
  [ "$(sed -n 3p <<<"$output" | jq -r .running)" = false ]
  [ "$(sed -n 3p <<<"$output" | jq -r .exit_code)" = 7 ]
  [ "$(wc -l <<<"$output")" -eq 3 ]
  # A running exec: in the container's pid namespace, reaped by the shim.
  run sc "$(exec_req k1 '{"detach":true}' -- sleep 1000)"
  pid=$(jq -r .pid <<<"$output")
  [ "$(readlink "/proc/$pid/ns/pid")" = "$(readlink "/proc/$init/ns/pid")" ]
  [ "$(ps -o ppid= -p "$pid" | tr -d ' ')" = "$SHIM_PID" ]
  [ "$(sc '{"op":"exec-state","exec_id":"k1"}' | jq -r .running)" = true ]
  run sc "$(exec_req k1 '{"detach":true}' -- true)"
  [[ $(jq -r .error <<<"$output") == *"already exists"* ]]
  run sc '{"op":"kill","exec_id":"k1","signal":"KILL"}' '{"op":"exec-wait","exec_id":"k1"}'
  echo "$output"
  [ "$(sed -n 2p <<<"$output" | jq -r .exit_code)" = 137 ]
  pid_gone "$pid"
  run sc '{"op":"kill","exec_id":"k1","signal":15}'
  [[ $(jq -r .error <<<"$output") == *"not running"* ]]
  run sc '{"op":"exec-state","exec_id":"nope"}'
  [ "$(jq -r .ok <<<"$output")" = false ]
  # A streamed exec's output goes to its stream only.
  run sc "$(exec_req s1 -- sh -c 'echo streamed-line')" </dev/null
  [[ $output == *"stdout: streamed-line"* ]]
  # The container is still running, and its log has its own output only.
  [ "$(sc '{"op":"state"}' | jq -r .status)" = running ]
  cat "$LOG"
  grep -q container-line "$LOG"
  ! grep -q -e detached -e streamed-line "$LOG"
  [ "$(children_of "$SHIM_PID")" = "$init" ]
  # Idle again, the shim is as small as before (docker's own is ~10 MB).
  sleep 2
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$SHIM_PID/status")
  echo "shim RSS: $rss kB"
  [ "$rss" -le 1024 ]
}

@test "shim exec: the records of the last 64 ended execs are kept" {
  process sleep 1000
  shim
  reqs=()
  for i in $(seq 70); do
    reqs+=("$(exec_req "b$i" '{"detach":true}' -- sh -c "exit $((i % 5))")" \
      "{\"op\":\"exec-wait\",\"exec_id\":\"b$i\"}")
  done
  run sc --timeout 120 "${reqs[@]}"
  [ "$(grep -c '"running":false' <<<"$output")" -eq 70 ]
  run sc '{"op":"exec-state","exec_id":"b6"}'
  [[ $(jq -r .error <<<"$output") == *"no such exec"* ]]
  run sc '{"op":"exec-state","exec_id":"b7"}'
  [ "$(jq -r .exit_code <<<"$output")" = 2 ]
  run sc '{"op":"exec-state","exec_id":"b70"}'
  [ "$(jq -r .exit_code <<<"$output")" = 0 ]
}

@test "shim exec: refused once the container has exited" {
  process sh -c 'read x; exit 0'
  shim --stdin
  # Queued behind the wait: handled after the exit, before the shim ends.
  sc --pipeline '{"op":"close-stdin"}' '{"op":"wait"}' "$(exec_req late -- true)" >"$BUNDLE.out"
  cat "$BUNDLE.out"
  [ "$(sed -n 2p "$BUNDLE.out" | jq -r .status)" = exited ]
  [ "$(sed -n 3p "$BUNDLE.out" | jq -r .ok)" = false ]
  [[ $(sed -n 3p "$BUNDLE.out" | jq -r .error) == *"is not running"* ]]
  wait_gone "$SHIM_PID"
  assert_no_leftovers "$CID"
}

@test "shim exec: the container exits with an exec running; its stream ends and the shim exits" {
  process sleep 1000
  shim
  sc --timeout 10 "$(exec_req long -- sh -c 'echo started; sleep 1000')" </dev/null >"$BUNDLE.out" &
  client=$!
  for _ in $(seq 50); do grep -q started "$BUNDLE.out" && break; sleep 0.1; done
  sc --timeout 10 '{"op":"exec-wait","exec_id":"long"}' >"$BUNDLE.wait" &
  waiter=$!
  sleep 0.2
  pid=$(head -1 "$BUNDLE.out" | jq -r .pid)
  [ -d "/proc/$pid" ]
  run sc '{"op":"kill","signal":"KILL"}'
  [ "$(jq -r .ok <<<"$output")" = true ]
  # The stream ends cleanly (not by the client's timeout), so does the wait.
  wait "$client"
  wait "$waiter"
  cat "$BUNDLE.out" "$BUNDLE.wait"
  grep -q "stdout: started" "$BUNDLE.out"
  [ "$(jq -r .running "$BUNDLE.wait")" = false ]
  [ "$(jq -r .exit_code "$BUNDLE.wait")" = 137 ]
  wait_gone "$SHIM_PID"
  pid_gone "$pid"
  [ "$(jq -r .exit_code "$SD/exit.json")" = 137 ]
  [ ! -e "$SD/shim.sock" ]
  assert_no_leftovers "$CID"
}
