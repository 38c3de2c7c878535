#!/usr/bin/env bats
# process.terminal: the pty master goes to --console-socket (as runc sends
# it), the peer is the process's stdio and controlling terminal, and a
# foreground `run` without a console socket proxies the pty itself.

load helpers

setup() { setup_bundle; }
teardown() {
  [ -n "${RECEIVER:-}" ] && kill "$RECEIVER" 2>/dev/null || true
  teardown_bundle
}

@test "the pty master is sent to the console socket with the console size" {
  config '.process.terminal = true | .process.consoleSize = {"height": 33, "width": 111}
          | .process.args = ["sh", "-c", "tty; test -t 0 && echo stdin-is-tty; stty size; stat -c console=%t:%T /dev/console"]'
  sock=$BUNDLE/console.sock
  python3 "$SRC/tests/lib/console_socket.py" "$sock" "$BUNDLE/out" >"$BUNDLE/recv.log" &
  RECEIVER=$!
  for _ in $(seq 50); do grep -q ready "$BUNDLE/recv.log" 2>/dev/null && break; sleep 0.1; done
  run rt run --console-socket "$sock" --bundle "$BUNDLE" "$CID"
  echo "$output"
  [ "$status" -eq 0 ]
  wait "$RECEIVER"
  cat "$BUNDLE/out"
  grep -q "size=33x111" "$BUNDLE/out"
  grep -q "^/dev/pts/0" "$BUNDLE/out"
  grep -q "^console=88:0" "$BUNDLE/out"  # /dev/console is the pty peer (136:0, hex 88:0)
  grep -q "stdin-is-tty" "$BUNDLE/out"
  grep -q "33 111" "$BUNDLE/out"
}

@test "terminal without --console-socket on create is refused and leaves nothing" {
  config '.process.terminal = true'
  run rt create --bundle "$BUNDLE" "$CID"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"console-socket"* ]]
  assert_no_leftovers "$CID"
}

@test "foreground run proxies the pty when no console socket is given" {
  command -v script >/dev/null || skip "script(1) not installed"
  config '.process.terminal = true | .process.args = ["sh", "-c", "test -t 1 && echo out-is-tty; exit 3"]'
  run script -qec "$RUNTIME --root $ROOT run --bundle $BUNDLE $CID" /dev/null
  echo "$output"
  [ "$status" -eq 3 ]
  [[ "$output" == *"out-is-tty"* ]]
  assert_no_leftovers "$CID"
}
