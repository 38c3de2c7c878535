#!/usr/bin/env bats
# berth's attached container commands (run -i/-t, attach, exec, start -a)
# and events, diff, export against the reference: a private dockerd
# (Debian's 20.10, --bridge none) under $T, driven by `berth -H`. Terminals
# are real: tests/lib/pty_run.py runs the client on a pty of a given size
# and types into it. Where the output's form matters it is compared with
# what the docker CLI prints against the same daemon. Only setup_file knows
# which daemon it is: point DAEMON_SOCK elsewhere and the tests stay.
# shellcheck disable=SC2016  # $PATH, $FOO: the container's text, not ours

bats_require_minimum_version 1.5.0

load ../integration/daemon_helpers
load ../integration/interop_helpers

# The daemon: dockerd by default; TEST_DAEMON=berthd runs the same tests
# against berthd (tests/CMakeLists.txt registers both).
setup_file() {
  [ "$(id -u)" -eq 0 ] || skip "daemons need root"
  command -v docker >/dev/null || skip "no docker CLI"
  command -v busybox >/dev/null || skip "no busybox"
  command -v python3 >/dev/null || skip "no python3"
  T=$(mktemp -d /tmp/berth-icli-XXXXXX)
  export T
  if [ "${TEST_DAEMON:-dockerd}" = berthd ]; then
    start_berthd
    export DAEMON_SOCK="$SOCK"
  else
    command -v dockerd >/dev/null || skip "no dockerd"
    note_peer_cgroups
    start_dockerd || skip "dockerd did not start"
    export DAEMON_SOCK="$T/docker.sock"
  fi
  mkdir -p "$T/rootfs/bin"
  cp "$(command -v busybox)" "$T/rootfs/bin/busybox"
  for a in sh echo sleep cat true stty touch rm ls env id pwd; do
    ln -sf busybox "$T/rootfs/bin/$a"
  done
  tar -C "$T/rootfs" --numeric-owner -cf "$T/rootfs.tar" .
  DOCKER_HOST="unix://$DAEMON_SOCK" docker import "$T/rootfs.tar" bb:1 >/dev/null
}

teardown_file() {
  [ -n "${T:-}" ] || return 0
  # shellcheck disable=SC2046  # one word an ID
  DOCKER_HOST="unix://$DAEMON_SOCK" docker rm -f \
    $(DOCKER_HOST="unix://$DAEMON_SOCK" docker ps -aq) >/dev/null 2>&1 || true
  if [ "${TEST_DAEMON:-dockerd}" = berthd ]; then
    stop_berthd
    for m in $(awk -v d="$T/data" '$2 ~ "^"d {print $2}' /proc/mounts | sort -r); do
      umount -l "$m" 2>/dev/null || true
    done
  else
    stop_dockerd
    clean_peers
  fi
  rm -rf "$T"
}

# bb ARGS...: berth against the test's daemon.
bb() {
  "$BERTH" -H "unix://$DAEMON_SOCK" "$@"
}

# dkc ARGS...: the docker CLI against the same daemon (the reference).
dkc() {
  DOCKER_HOST="unix://$DAEMON_SOCK" docker "$@"
}

# pty [pty_run options] -- CMD...: CMD on a fresh terminal (see pty_run.py).
pty() {
  python3 "$BATS_TEST_DIRNAME/../lib/pty_run.py" "$@"
}

# state NAME: the container's State.Status as the daemon reports it.
state() {
  dkc inspect -f '{{.State.Status}}' "$1"
}

@test "run -it: the shell's output and its exit status; stty sees the terminal's size" {
  run pty --size 30x100 --expect '# ' --send 'stty size; echo hi; exit 3\r' -- \
    "$BERTH" -H "unix://$DAEMON_SOCK" run -it --name it1 --network none bb:1 sh
  [ "$status" -eq 3 ]
  [[ "$output" == *$'\n30 100\r\nhi\r'* ]]
  [ "$(state it1)" = exited ]
  [ "$(dkc inspect -f '{{.State.ExitCode}}' it1)" = 3 ]
}

@test "run -it gives the terminal back as it found it (after an exit and after a detach)" {
  # shellcheck disable=SC2016  # expanded by the inner shell
  script='a=$(stty -g); "$0" -H "$1" run -it --rm --network none bb:1 sh; b=$(stty -g)
    [ "$a" = "$b" ] && echo RESTORED-1
    "$0" -H "$1" run -it --network none bb:1 sh; c=$(stty -g)
    [ "$a" = "$c" ] && echo RESTORED-2'
  run pty --expect '# ' --send 'exit\r' --expect RESTORED-1 --expect '# ' --send '\x10\x11' \
    --expect RESTORED-2 -- sh -c "$script" "$BERTH" "unix://$DAEMON_SOCK"
  [ "$status" -eq 0 ]
  [[ "$output" == *RESTORED-1* ]]
  [[ "$output" == *RESTORED-2* ]]
}

@test "run -it killed by a signal still gives the terminal back" {
  # shellcheck disable=SC2016  # expanded by the inner shell
  script='exec 3<&0; a=$(stty -g); "$0" -H "$1" run -it --name killed --network none bb:1 sh <&3 &
    sleep 2; [ "$a" != "$(stty -g)" ] && echo RAW; kill -TERM $!; wait $!; echo "rc=$?"
    [ "$a" = "$(stty -g)" ] && echo RESTORED'
  run pty --timeout 20 -- sh -c "$script" "$BERTH" "unix://$DAEMON_SOCK"
  [ "$status" -eq 0 ]
  [[ "$output" == *RAW* ]]
  [[ "$output" == *rc=143* ]]
  [[ "$output" == *RESTORED* ]]
}

@test "run -t without -i: the terminal's output, no stdin" {
  run bb run -t --rm --network none bb:1 sh -c 'echo tty; [ -t 0 ] && echo in-is-tty'
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'tty\r\nin-is-tty\r')" ]
}

@test "run -it follows a window resize (SIGWINCH)" {
  run pty --size 24x80 --expect '# ' --resize 40x120 --sleep 0.5 --send 'stty size; exit\r' -- \
    "$BERTH" -H "unix://$DAEMON_SOCK" run -it --rm --network none bb:1 sh
  [ "$status" -eq 0 ]
  [[ "$output" == *$'\n40 120\r'* ]]
}

@test "run -it: ctrl-p ctrl-q detaches silently with 0, the container keeps running" {
  run pty --stderr "$T/err" --expect '# ' --send '\x10\x11' -- \
    "$BERTH" -H "unix://$DAEMON_SOCK" run -it --name dt --network none bb:1 sh
  [ "$status" -eq 0 ]
  [ ! -s "$T/err" ]
  [ "$(state dt)" = running ]
  # --detach-keys in docker's format.
  run pty --expect '# ' --send '\x01x' -- \
    "$BERTH" -H "unix://$DAEMON_SOCK" run -it --detach-keys ctrl-a,x --name dt2 --network none bb:1 sh
  [ "$status" -eq 0 ]
  [ "$(state dt2)" = running ]
}

@test "attach to a running tty container, type into it, detach: docker's 'read escape sequence', 1" {
  bb run -dit --name at --network none bb:1 sh >/dev/null
  run pty --stderr "$T/err" --sleep 0.5 --send 'echo att$((40+2))\r' --expect att42 \
    --send '\x10\x11' -- "$BERTH" -H "unix://$DAEMON_SOCK" attach at
  [ "$status" -eq 1 ]
  [[ "$output" == *att42* ]]
  [ "$(cat "$T/err")" = "read escape sequence" ]
  [ "$(state at)" = running ]
  # The docker CLI does the same.
  run pty --stderr "$T/err2" --sleep 0.5 --send '\x10\x11' -- \
    env DOCKER_HOST="unix://$DAEMON_SOCK" docker attach at
  [ "$status" -eq 1 ]
  [ "$(cat "$T/err2")" = "read escape sequence" ]
  # A stopped container cannot be attached to.
  bb create --name atstopped --network none bb:1 true >/dev/null
  run bb attach atstopped
  [ "$status" -eq 1 ]
  [ "$output" = "You cannot attach to a stopped container, start it first" ]
  [ "$output" = "$(dkc attach atstopped 2>&1)" ]
}

@test "attach without a tty: the container's output until it exits, with its status" {
  bb run -d --name atn --network none bb:1 sh -c 'sleep 1; echo out; echo err >&2; exit 6' >/dev/null
  run bb attach atn
  [ "$status" -eq 6 ]
  # stdout and stderr are separate pipes in the container: a daemon may
  # read them in either order (dockerd does).
  [ "$(printf '%s\n' "$output" | sort | tr '\n' ' ')" = "err out " ]
}

@test "run -i copies piped stdin and ends at its EOF; -a picks the streams; exit status" {
  run bash -c "echo abc | '$BERTH' -H 'unix://$DAEMON_SOCK' run -i --network none bb:1 cat"
  [ "$status" -eq 0 ]
  [ "$output" = abc ]
  bb run --network none bb:1 sh -c 'echo o; echo e >&2; exit 7' >"$T/o" 2>"$T/e" || rc=$?
  [ "${rc:-0}" -eq 7 ]
  [ "$(cat "$T/o")" = o ]
  [ "$(cat "$T/e")" = e ]
  run bb run -a stdout --network none bb:1 sh -c 'echo o; echo e >&2'
  [ "$status" -eq 0 ]
  [ "$output" = o ]
  run bb run -a stdout -d --network none bb:1 true
  [ "$status" -eq 125 ]
  [ "$output" = "conflicting options: cannot specify both --attach and --detach" ]
  run bb run -a foo --network none bb:1 true
  [ "$status" -eq 125 ]
  [[ "$output" == *'invalid argument "foo" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR'* ]]
}

@test "run -i moves megabytes through stdin and stdout intact" {
  head -c 3000000 /dev/urandom >"$T/big"
  "$BERTH" -H "unix://$DAEMON_SOCK" run -i --rm --network none bb:1 cat <"$T/big" >"$T/big.out"
  cmp "$T/big" "$T/big.out"
}

@test "run -t without a terminal on stdin is refused as docker does" {
  run bash -c "echo | '$BERTH' -H 'unix://$DAEMON_SOCK' run -it --network none bb:1 true"
  [ "$status" -eq 1 ]
  [ "$output" = "the input device is not a TTY" ]
  run bash -c "echo | DOCKER_HOST='unix://$DAEMON_SOCK' docker run -it --network none bb:1 true"
  [ "$status" -eq 1 ]
  [ "$output" = "the input device is not a TTY" ]
}

@test "run --rm in the foreground removes the container and keeps its status" {
  run bb run --rm --name gone --network none bb:1 sh -c 'echo bye; exit 4'
  [ "$status" -eq 4 ]
  [ "$output" = bye ]
  run dkc inspect gone
  [ "$status" -ne 0 ]
}

@test "run of a missing command: 127 and docker's message; not executable: 126" {
  run -127 bb run --network none bb:1 nosuch
  [ "$status" -eq 127 ]
  [[ "$output" == "berth: Error response from daemon: "*'exec: "nosuch": executable file not found in $PATH'* ]]
  run -126 bb run --network none bb:1 /etc
  [ "$status" -eq 126 ]
  [[ "$output" == *'exec: "/etc": permission denied'* ]]
}

@test "run --sig-proxy: a TERM to berth reaches the container" {
  "$BERTH" -H "unix://$DAEMON_SOCK" run --name sp --network none bb:1 sh -c 'trap "exit 9" TERM; echo ready; while true; do sleep 0.1; done' >"$T/sp.out" &
  pid=$!
  for _ in $(seq 50); do grep -q ready "$T/sp.out" 2>/dev/null && break; sleep 0.1; done
  kill -TERM "$pid"
  rc=0
  wait "$pid" || rc=$?
  [ "$rc" -eq 9 ]
  [ "$(dkc inspect -f '{{.State.ExitCode}}' sp)" = 9 ]
}

@test "exec: output, stdin with -i, -e -w -u, exit status" {
  bb run -d --name ex --network none bb:1 sleep 1000 >/dev/null
  run bb exec ex echo hello
  [ "$status" -eq 0 ]
  [ "$output" = hello ]
  run bash -c "echo abc | '$BERTH' -H 'unix://$DAEMON_SOCK' exec -i ex cat"
  [ "$status" -eq 0 ]
  [ "$output" = abc ]
  run bb exec -e FOO=bar -w /bin -u 1:2 ex sh -c 'echo $FOO; pwd; id -u; id -g'
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'bar\n/bin\n1\n2')" ]
  run bb exec ex sh -c 'echo err >&2; exit 5'
  [ "$status" -eq 5 ]
  [ "$output" = err ]
}

@test "exec -t through a terminal" {
  bb run -d --name ext --network none bb:1 sleep 1000 >/dev/null
  run pty --size 33x77 --expect '# ' --send 'stty size; exit 2\r' -- \
    "$BERTH" -H "unix://$DAEMON_SOCK" exec -it ext sh
  [ "$status" -eq 2 ]
  [[ "$output" == *$'\n33 77\r'* ]]
}

@test "exec -it: ctrl-p ctrl-q detaches as docker's exec does ('read escape sequence', 1)" {
  bb run -d --name exdt --network none bb:1 sleep 1000 >/dev/null
  run pty --stderr "$T/err" --expect '# ' --send '\x10\x11' -- \
    "$BERTH" -H "unix://$DAEMON_SOCK" exec -it exdt sh
  [ "$status" -eq 1 ]
  [ "$(cat "$T/err")" = "read escape sequence" ]
  run pty --stderr "$T/err2" --expect '# ' --send '\x10\x11' -- \
    env DOCKER_HOST="unix://$DAEMON_SOCK" docker exec -it exdt sh
  [ "$status" -eq 1 ]
  [ "$(cat "$T/err2")" = "read escape sequence" ]
}

@test "exec of a missing binary prints the daemon's message and docker's exit code" {
  bb run -d --name exm --network none bb:1 sleep 1000 >/dev/null
  run bb exec exm nosuch
  want_status=0
  want=$(dkc exec exm nosuch 2>&1) || want_status=$?
  [ "$status" -eq "$want_status" ]
  [ "$output" = "$want" ]
  [[ "$output" == *'exec: "nosuch": executable file not found in $PATH'* ]]
  # dockerd 20.10 records 126 for any exec that could not start.
  [ "$status" -eq 126 ] || [ "$status" -eq 127 ]
}

@test "exec into a stopped or missing container: docker's error, exit 1" {
  bb create --name exs --network none bb:1 true >/dev/null
  id=$(dkc inspect -f '{{.Id}}' exs)
  run bb exec exs echo hi
  [ "$status" -eq 1 ]
  [ "$output" = "Error response from daemon: Container $id is not running" ]
  [ "$output" = "$(dkc exec exs echo hi 2>&1)" ]
  run bb exec nope echo hi
  [ "$status" -eq 1 ]
  [ "$output" = "Error response from daemon: No such container: nope" ]
}

@test "exec -d runs in the background and prints nothing" {
  bb run -d --name exd --network none bb:1 sleep 1000 >/dev/null
  run bb exec -d exd sh -c 'sleep 0.3; touch /from-exec'
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  for _ in $(seq 50); do dkc exec exd ls /from-exec >/dev/null 2>&1 && break; sleep 0.1; done
  [ "$(dkc exec exd ls /from-exec)" = /from-exec ]
}

@test "start -a -i: stdin in, output out, the container's status out" {
  bb create -i --name sa --network none bb:1 sh -c 'cat; echo err >&2; exit 4' >/dev/null
  run bash -c "echo xyz | '$BERTH' -H 'unix://$DAEMON_SOCK' start -a -i sa"
  [ "$status" -eq 4 ]
  [ "$output" = "$(printf 'xyz\nerr')" ]
  bb create --name sb --network none bb:1 sh -c 'echo o; echo e >&2' >/dev/null
  bb start -a sb >"$T/o" 2>"$T/e"
  [ "$(cat "$T/o")" = o ]
  [ "$(cat "$T/e")" = e ]
}

@test "events --since/--until --filter container=X: create, start, die as docker prints them" {
  since=$(date +%s)
  bb run --name ev --network none bb:1 sh -c 'exit 2' || true
  sleep 1
  until=$(($(date +%s) + 1))
  sleep 1.2
  run bb events --since "$since" --until "$until" --filter container=ev
  [ "$status" -eq 0 ]
  [ "$output" = "$(dkc events --since "$since" --until "$until" --filter container=ev)" ]
  id=$(dkc inspect -f '{{.Id}}' ev)
  [[ "$output" =~ [0-9T:.-]+Z\ container\ create\ $id\ \(image=bb:1,\ name=ev\) ]]
  [[ "$output" == *"container start $id (image=bb:1, name=ev)"* ]]
  [[ "$output" == *"container die $id (exitCode=2, image=bb:1, name=ev)"* ]]
  run bb events --since "$since" --until "$until" --filter container=ev --filter event=die --format '{{json .}}'
  [ "$status" -eq 0 ]
  [ "$output" = "$(dkc events --since "$since" --until "$until" --filter container=ev --filter event=die --format '{{json .}}')" ]
  run bb events --since "$since" --until "$until" --filter container=ev --format '{{.Action}} {{.Actor.Attributes.name}}'
  [ "${lines[0]}" = "create ev" ]
  run bb events --filter foo
  [ "$status" -eq 125 ]
  [ "${lines[0]}" = 'invalid argument "foo" for "-f, --filter" flag: bad format of filter (expected name=value)' ]
}

@test "events without --until streams what happens until interrupted" {
  "$BERTH" -H "unix://$DAEMON_SOCK" events --filter container=live --format '{{.Action}}' >"$T/live" &
  pid=$!
  sleep 0.5
  bb run --name live --network none bb:1 true
  for _ in $(seq 50); do grep -qx die "$T/live" && break; sleep 0.1; done
  # (A background job of a script ignores SIGINT: TERM stands in for ^C.)
  kill -TERM "$pid"
  wait "$pid" || true
  [ "$(head -1 "$T/live")" = create ]
  grep -qx start "$T/live"
  grep -qx die "$T/live"
}

@test "diff lists what changed in the container's filesystem as docker does" {
  bb run --name df --network none bb:1 sh -c 'touch /newfile; rm /bin/true'
  run bb diff df
  [ "$status" -eq 0 ]
  # dockerd lists the changes in no fixed order (nor does docker sort them).
  [ "$(echo "$output" | sort)" = "$(dkc diff df | sort)" ]
  [[ "$output" == *"A /newfile"* ]]
  [[ "$output" == *"D /bin/true"* ]]
  [[ "$output" == *"C /bin"* ]]
  run bb diff nope
  [ "$status" -eq 1 ]
  [ "$output" = "Error response from daemon: No such container: nope" ]
}

@test "export: a tar of the container's files, to stdout or -o, never to a terminal" {
  bb create --name xp --network none bb:1 true >/dev/null
  bb export xp | tar t >"$T/list"
  grep -qx bin/busybox "$T/list"
  grep -qx bin/sh "$T/list"
  bb export -o "$T/xp.tar" xp
  [ "$(tar tf "$T/xp.tar" | sort)" = "$(sort "$T/list")" ]
  run pty -- "$BERTH" -H "unix://$DAEMON_SOCK" export xp
  [ "$status" -eq 1 ]
  [[ "$output" == "cowardly refusing to save to a terminal. Use the -o flag or redirect"* ]]
}

@test "unknown flags exit 125 in docker's words" {
  for c in "run --bogus bb:1" "exec --bogus x true" "attach --bogus x" "events --bogus" \
    "diff --bogus x" "export --bogus x" "start -a --bogus x"; do
    # shellcheck disable=SC2086  # each entry is a command line
    run bb $c
    [ "$status" -eq 125 ]
    [[ "${lines[0]}" == "unknown flag: --bogus" ]]
  done
}
