#!/usr/bin/env bats
# berthd's containers through the berth client and the Engine API: run in
# the foreground and detached, logs, stop signals and timeouts, --rm,
# names, rm and its refusals, wait, pause, top, rename, failed creates and
# starts that leave nothing behind, and containers that keep running
# across a kill -9 of berthd (and are reported exited when their shim is
# killed). The image is a busybox rootfs imported into berthd.

load daemon_helpers

setup_file() {
  daemon_suite_setup ctr
}

teardown_file() {
  daemon_suite_teardown
}

setup() {
  daemon_test_setup
}

teardown() {
  daemon_test_teardown
}

# state NAME: the container's State.Status through the API.
state() {
  api GET "/containers/$1/json" | jq -r .State.Status
}

@test "run in the foreground prints the output and exits with the container's status" {
  run b run --name fg bb:1 sh -c 'echo out; echo err >&2; exit 3'
  [ "$status" -eq 3 ]
  [[ "$output" == *out* ]]
  [[ "$output" == *err* ]]
  [ "$(state fg)" = exited ]
  [ "$(api GET /containers/fg/json | jq .State.ExitCode)" -eq 3 ]
}

@test "run -d: the container runs under its shim, ps and inspect agree, logs have its output" {
  id=$(b run -d --name web bb:1 sh -c 'echo started; exec sleep 1000')
  [ ${#id} -eq 64 ]
  pid=$(api GET /containers/web/json | jq .State.Pid)
  [ "$pid" -gt 0 ]
  # The pid is a process in its own pid namespace, running sleep.
  [ "$(readlink /proc/$pid/ns/pid)" != "$(readlink /proc/self/ns/pid)" ]
  grep -q sleep "/proc/$pid/cmdline"
  run b ps
  [[ "$output" == *web* ]]
  [[ "$output" == *"Up "* ]]
  wait_for sh -c "$BERTH -H unix://$SOCK logs web | grep -q started"
  # The log is docker's json-file format.
  log=$(api GET /containers/web/json | jq -r .LogPath)
  head -1 "$log" | jq -e '.stream == "stdout" and .log == "started\n" and (.time | length > 20)'
}

@test "stop: the stop signal first, SIGKILL after the timeout" {
  b run -d --name trap bb:1 sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done' >/dev/null
  sleep 0.3
  b stop trap
  [ "$(api GET /containers/trap/json | jq .State.ExitCode)" -eq 7 ]
  # A pid 1 that ignores SIGTERM is killed after -t seconds.
  b run -d --name deaf bb:1 sleep 1000 >/dev/null
  start=$(date +%s%N)
  b stop -t 1 deaf
  took=$(( ($(date +%s%N) - start) / 1000000 ))
  [ "$took" -ge 900 ]
  [ "$(api GET /containers/deaf/json | jq .State.ExitCode)" -eq 137 ]
  # --stop-signal is used instead of SIGTERM.
  b run -d --name usr1 --stop-signal USR1 bb:1 sh -c 'trap "exit 9" USR1; while :; do sleep 0.1; done' >/dev/null
  sleep 0.3
  b stop usr1
  [ "$(api GET /containers/usr1/json | jq .State.ExitCode)" -eq 9 ]
  # Stopping a stopped container is docker's 304.
  [ "$(api POST /containers/usr1/stop -o /dev/null -w '%{http_code}')" = 304 ]
}

@test "--rm removes the container and its writable layer after it exits" {
  run b run --rm --name gone bb:1 sh -c 'echo bye'
  [ "$status" -eq 0 ]
  [[ "$output" == *bye* ]]
  [ "$(api GET /containers/gone/json -o /dev/null -w '%{http_code}')" = 404 ]
  [ -z "$(ls "$DATA/snapshots/active")" ]
  [ -z "$(ls "$DATA/containers")" ]
  b run -d --rm --name gone2 bb:1 sleep 0.2 >/dev/null
  wait_for sh -c "[ \$(curl -s -o /dev/null -w '%{http_code}' --unix-socket $SOCK http://x/containers/gone2/json) = 404 ]"
}

@test "a command that does not exist: exit 127, the container stays created, nothing runs" {
  run -127 b run --name nocmd bb:1 /no/such/binary
  echo "$output"
  [ "$status" -eq 127 ]
  [[ "$output" == *"no such file or directory"* || "$output" == *"not found"* ]]
  [ "$(state nocmd)" = created ]
  [ "$(api GET /containers/nocmd/json | jq .State.ExitCode)" -eq 127 ]
  # Nothing mounted, no shim state left.
  ! grep -q "$DATA/containers" /proc/mounts
  [ -z "$(ls "$T/run/c")" ]
}

@test "names: unique, generated like docker's, 409 on a conflict" {
  b create --name one bb:1 true >/dev/null
  run b create --name one bb:1 true
  [ "$status" -eq 125 ]
  [[ "$output" == *'Conflict. The container name "/one" is already in use by container'* ]]
  code=$(api POST '/containers/create?name=one' -H 'Content-Type: application/json' \
    -d '{"Image":"bb:1"}' -o /dev/null -w '%{http_code}')
  [ "$code" = 409 ]
  id=$(b create bb:1 true)
  name=$(api GET "/containers/$id/json" | jq -r .Name)
  [[ "$name" =~ ^/[a-z]+_[a-z]+$ ]]
}

@test "bad input: bad JSON 400, unknown image 404, neither leaves anything" {
  code=$(api POST /containers/create -H 'Content-Type: application/json' -d '{"Image":' \
    -o "$T/out" -w '%{http_code}')
  [ "$code" = 400 ]
  jq -e .message "$T/out"
  code=$(api POST /containers/create -H 'Content-Type: application/json' \
    -d '{"Image":"nosuch:1"}' -o "$T/out" -w '%{http_code}')
  [ "$code" = 404 ]
  [ "$(jq -r .message "$T/out")" = "No such image: nosuch:1" ]
  code=$(api POST /containers/create -H 'Content-Type: application/json' \
    -d '{"Image":"bb:1","Env":"x"}' -o "$T/out" -w '%{http_code}')
  [ "$code" = 400 ]
  [ "$(b ps -aq | wc -l)" -eq 0 ]
  [ -z "$(ls "$DATA/snapshots/active")" ]
  [ -z "$(ls "$DATA/containers")" ]
}

@test "rm: a running container needs force (409); rm -f kills it and removes everything" {
  b run -d --name busy bb:1 sleep 1000 >/dev/null
  pid=$(api GET /containers/busy/json | jq .State.Pid)
  run b rm busy
  [ "$status" -eq 1 ]
  [[ "$output" == *"You cannot remove a running container"* ]]
  code=$(api DELETE /containers/busy -o /dev/null -w '%{http_code}')
  [ "$code" = 409 ]
  b rm -f busy
  ! kill -0 "$pid" 2>/dev/null
  [ "$(api GET /containers/busy/json -o /dev/null -w '%{http_code}')" = 404 ]
  ! grep -q "$DATA/containers" /proc/mounts
  [ -z "$(ls "$DATA/snapshots/active")" ]
}

@test "wait: not-running, next-exit and removed; a client that leaves hurts nothing" {
  b run -d --name waiter bb:1 sh -c 'sleep 1; exit 4' >/dev/null
  # A waiter that disconnects after 0.2 s.
  api POST '/containers/waiter/wait?condition=next-exit' --max-time 0.2 || true
  run api POST /containers/waiter/wait
  [ "$(echo "$output" | jq .StatusCode)" -eq 4 ]
  # not-running on an exited container answers at once.
  run api POST /containers/waiter/wait
  [ "$(echo "$output" | jq .StatusCode)" -eq 4 ]
  b wait waiter | grep -qx 4
  # removed: answered when the container is gone.
  api POST '/containers/waiter/wait?condition=removed' >"$T/waited" &
  waiter=$!
  sleep 0.3
  b rm waiter >/dev/null
  wait "$waiter"
  [ "$(jq .StatusCode "$T/waited")" -eq 4 ]
  # The daemon still answers.
  curl -sf --unix-socket "$SOCK" http://x/_ping
}

@test "pause and unpause freeze the container; top lists its processes; rename" {
  b run -d --name paused bb:1 sh -c 'exec sleep 1000' >/dev/null
  b pause paused
  [ "$(state paused)" = paused ]
  id=$(api GET /containers/paused/json | jq -r .Id)
  # Frozen by its cgroup: the v1 freezer here, cgroup.freeze on v2 hosts.
  if [ -e "/sys/fs/cgroup/freezer/berth/$id/freezer.state" ]; then
    [ "$(cat "/sys/fs/cgroup/freezer/berth/$id/freezer.state")" = FROZEN ]
  else
    [ "$(cat "/sys/fs/cgroup/berth/$id/cgroup.freeze")" = 1 ]
  fi
  code=$(api POST /containers/paused/pause -o /dev/null -w '%{http_code}')
  [ "$code" = 409 ]
  b unpause paused
  [ "$(state paused)" = running ]
  run b top paused
  [[ "$output" == *"sleep 1000"* ]]
  b rename paused q2
  [ "$(api GET /containers/q2/json | jq -r .Name)" = /q2 ]
  [ "$(api GET /containers/paused/json -o /dev/null -w '%{http_code}')" = 404 ]
}

@test "logs: tail, timestamps, stderr only, follow until the container exits" {
  b run -d --name logger bb:1 sh -c 'for i in 1 2 3 4 5; do echo line$i; done; echo oops >&2; sleep 1; echo last' >/dev/null
  wait_for sh -c "$BERTH -H unix://$SOCK logs logger | grep -q line5"
  run b logs --tail 2 logger
  [[ "$output" == *line5* ]]
  [[ "$output" != *line3* ]]
  run b logs -t logger
  [[ "${lines[0]}" =~ ^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T.*Z\ line1$ ]]
  api GET '/containers/logger/logs?stderr=1' -o "$T/err"
  # One stderr frame: stream 2, then the text.
  [ "$(head -c1 "$T/err" | od -An -tu1 | tr -d ' ')" = 2 ]
  grep -q oops "$T/err"
  # follow ends when the container exits, with the last line.
  run timeout 10 "$BERTH" -H "unix://$SOCK" logs -f logger
  [ "$status" -eq 0 ]
  [[ "$output" == *last* ]]
}

@test "berthd killed with -9: containers keep running; after restart ps, logs -f, wait and exit codes are right" {
  b run -d --name survivor bb:1 sh -c 'i=0; while [ $i -lt 30 ]; do echo tick$i; i=$((i+1)); sleep 0.1; done; exit 5' >/dev/null
  pid=$(api GET /containers/survivor/json | jq .State.Pid)
  kill -9 "$(cat "$T/berthd.pid")"
  wait_gone "$(cat "$T/berthd.pid")"
  rm -f "$T/berthd.pid"
  sleep 0.5
  kill -0 "$pid"
  start_berthd
  [ "$(state survivor)" = running ]
  run timeout 20 "$BERTH" -H "unix://$SOCK" logs -f survivor
  [[ "$output" == *tick0* ]]
  [[ "$output" == *tick29* ]]
  run b wait survivor
  [ "$output" = 5 ]
  [ "$(state survivor)" = exited ]
  # A container that exited while berthd was down is found exited.
  b run -d --name quick bb:1 sh -c 'sleep 0.5; exit 6' >/dev/null
  kill -9 "$(cat "$T/berthd.pid")"
  wait_gone "$(cat "$T/berthd.pid")"
  rm -f "$T/berthd.pid"
  sleep 1
  start_berthd
  wait_for sh -c "[ \$(curl -s --unix-socket $SOCK http://x/containers/quick/json | jq -r .State.Status) = exited ]"
  [ "$(api GET /containers/quick/json | jq .State.ExitCode)" -eq 6 ]
}

@test "a shim killed with -9: the container is reported exited, never hung" {
  b run -d --name orphan bb:1 sleep 1000 >/dev/null
  pid=$(api GET /containers/orphan/json | jq .State.Pid)
  id=$(api GET /containers/orphan/json | jq -r .Id)
  shim=$(cat "$T/run/c/${id:0:24}/shim.pid")
  kill -9 "$shim"
  # berthd's monitor notices, kills what the shim left and reports it.
  run timeout 10 "$BERTH" -H "unix://$SOCK" wait orphan
  [ "$output" = 137 ]
  [ "$(state orphan)" = exited ]
  wait_gone "$pid"
  ! kill -0 "$pid" 2>/dev/null
  b rm orphan
}

@test "info counts the containers by state; --init runs the command under an init" {
  b run -d --name up1 bb:1 sleep 1000 >/dev/null
  b create --name made bb:1 true >/dev/null
  b run --name ran bb:1 true
  api GET /info | jq -e '.Containers == 3 and .ContainersRunning == 1 and .ContainersStopped == 2'
  # With --init, pid 1 is the init (tini or docker-init) and the command its child.
  run b run --rm --init bb:1 sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; echo $PPID'
  [[ "${lines[0]}" == /sbin/docker-init* ]]
  [ "${lines[1]}" = 1 ]
}

@test "namespace modes: container:NAME joins another container's, host uses the host's" {
  b run -d --name holder bb:1 sleep 1000 >/dev/null
  pid=$(api GET /containers/holder/json | jq .State.Pid)
  run b run --rm --network container:holder --pid container:holder bb:1 sh -c 'readlink /proc/1/exe; ls /proc | grep -c "^[0-9]"'
  [ "$(readlink /proc/$pid/ns/net)" = "$(b run --rm --network container:holder bb:1 readlink /proc/self/ns/net)" ]
  [[ "$output" == *busybox* ]]
  run b run --rm --pid host bb:1 sh -c 'ls /proc | grep -c "^[0-9]"'
  [ "$output" -gt 20 ]
  run b run --rm --network container:nosuch bb:1 true
  [ "$status" -ne 0 ]
  [[ "$output" == *nosuch* ]]
}

@test "exec's ConsoleSize (API 1.42+) sizes its terminal from the start; a bad one is 400" {
  b run -d --name cs bb:1 sleep 1000 >/dev/null
  # Detached: no client could resize it, so what stty sees is the size the
  # exec was created with.
  id=$(api POST /v1.47/containers/cs/exec -H 'Content-Type: application/json' \
    -d '{"Cmd":["sh","-c","stty size >/size-create"],"Tty":true,"ConsoleSize":[13,37]}' | jq -r .Id)
  api POST "/v1.47/exec/$id/start" -H 'Content-Type: application/json' -d '{"Detach":true}'
  # The start's ConsoleSize replaces the create's.
  id=$(api POST /v1.47/containers/cs/exec -H 'Content-Type: application/json' \
    -d '{"Cmd":["sh","-c","stty size >/size-start"],"Tty":true,"ConsoleSize":[13,37]}' | jq -r .Id)
  api POST "/v1.47/exec/$id/start" -H 'Content-Type: application/json' \
    -d '{"Detach":true,"ConsoleSize":[21,64]}'
  for _ in $(seq 50); do
    b exec cs sh -c 'test -s /size-create && test -s /size-start' && break
    sleep 0.1
  done
  [ "$(b exec cs cat /size-create)" = "13 37" ]
  [ "$(b exec cs cat /size-start)" = "21 64" ]
  run api POST /v1.47/containers/cs/exec -H 'Content-Type: application/json' \
    -w '%{http_code}' -d '{"Cmd":["true"],"Tty":true,"ConsoleSize":[13]}'
  [[ "$output" == *'ConsoleSize: want [height, width], each 0-65535'*400 ]]
  run api POST "/v1.47/exec/$id/start" -H 'Content-Type: application/json' \
    -w '%{http_code}' -d '{"Detach":true,"ConsoleSize":"big"}'
  [[ "$output" == *'ConsoleSize: want [height, width], each 0-65535'*400 ]]
}
