#!/usr/bin/env bats
# berth-shim: launch (synchronous outcome, nothing left on failure), the
# json-file log, exit.json, the socket protocol, attach, and what happens
# when its parent or the shim itself dies.

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
  rm -rf "$SD" "$LOG" "$LOG".* "$BUNDLE.pid" "$BUNDLE.wait"
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
