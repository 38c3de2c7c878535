#!/usr/bin/env bats
# The real docker CLI against berthd, containers: run in the foreground
# (output, exit codes, --rm), run -d and logs -f, exec (plain, stdin,
# exit codes, a missing command, a stopped container), stop timeouts,
# rm refusals, events, diff, export, inspect templates, and a berthd
# killed with -9 while containers run. The image is a busybox rootfs
# imported with `docker import`.

load ../integration/daemon_helpers

setup_file() {
  daemon_suite_setup dkc docker
}

teardown_file() {
  daemon_suite_teardown
}

setup() {
  docker_test_setup
}

teardown() {
  daemon_test_teardown
}

@test "docker run: output, stdin, exit status, --rm" {
  run docker run --rm bb:1 echo hello
  [ "$status" -eq 0 ]
  [ "$output" = hello ]
  run docker run --name three bb:1 sh -c 'echo out; echo err >&2; exit 3'
  [ "$status" -eq 3 ]
  [[ "$output" == *out* && "$output" == *err* ]]
  [ "$(docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' three)" = "exited 3" ]
  run sh -c 'echo piped | docker run -i --rm bb:1 cat'
  [ "$output" = piped ]
  # --rm left nothing: only "three" remains.
  [ "$(docker ps -aq | wc -l)" -eq 1 ]
  run -127 docker run --rm bb:1 /no/such/cmd
  [[ "$output" == *"/no/such/cmd"* ]]
  [[ "$output" == *"no such file or directory"* || "$output" == *"not found"* ]]
}

@test "docker run -d, ps, logs -f, stop with a timeout, rm refusals" {
  id=$(docker run -d --name web bb:1 sh -c 'i=0; while [ $i -lt 5 ]; do echo n$i; i=$((i+1)); sleep 0.2; done; exec sleep 1000')
  [ "$(docker ps -q --no-trunc)" = "$id" ]
  run timeout 5 docker logs -f web
  [[ "$output" == *n4* ]]
  run docker rm web
  [ "$status" -ne 0 ]
  [[ "$output" == *"You cannot remove a running container"* ]]
  start=$(date +%s%N)
  docker stop -t 1 web >/dev/null
  took=$(( ($(date +%s%N) - start) / 1000000 ))
  [ "$took" -ge 900 ]
  [ "$(docker inspect -f '{{.State.ExitCode}}' web)" = 137 ]
  [ "$(docker ps -q | wc -l)" -eq 0 ]
  [ "$(docker ps -aq | wc -l)" -eq 1 ]
  docker rm web >/dev/null
}

@test "docker exec: output, stdin, exit codes, missing command, stopped container" {
  docker run -d --name box bb:1 sleep 1000 >/dev/null
  [ "$(docker exec box cat /etc/hostname)" = "$(docker inspect -f '{{.Config.Hostname}}' box)" ]
  [ "$(echo abc | docker exec -i box cat)" = abc ]
  run docker exec box sh -c 'exit 5'
  [ "$status" -eq 5 ]
  run -127 docker exec box nosuchcmd
  [[ "$output" == *"executable file not found"* ]]
  [ "$(docker exec -u nobody box id -u)" = 65534 ]
  run docker exec -u nosuchuser box id -u
  [ "$status" -ne 0 ]
  [[ "$output" == *"unable to find user nosuchuser"* ]]
  docker exec -d box sh -c 'echo detached > /tmp/d'
  sleep 0.3
  [ "$(docker exec box cat /tmp/d)" = detached ]
  docker exec -e FOO=bar -w /tmp box sh -c 'echo $FOO $(pwd)' | grep -qx "bar /tmp"
  docker stop -t 0 box >/dev/null
  run docker exec box true
  [ "$status" -ne 0 ]
  [[ "$output" == *"is not running"* ]]
}

@test "docker diff, export, top, pause, rename, inspect templates" {
  docker run -d --name work bb:1 sh -c 'echo x > /newfile; rm /bin/true; exec sleep 1000' >/dev/null
  sleep 0.5
  run docker diff work
  [[ "$output" == *"A /newfile"* ]]
  [[ "$output" == *"D /bin/true"* ]]
  [[ "$output" == *"C /bin"* ]]
  [[ "$output" != *"/etc/hosts"* ]]
  docker export work | tar -t >"$T/list"
  grep -qx newfile "$T/list"
  grep -qx bin/busybox "$T/list"
  ! grep -qx bin/true "$T/list"
  docker top work | grep -q "sleep 1000"
  docker pause work >/dev/null
  [ "$(docker inspect -f '{{.State.Status}}' work)" = paused ]
  docker unpause work >/dev/null
  docker rename work job
  [ "$(docker inspect -f '{{.Name}}' job)" = /job ]
  [ "$(docker ps --format '{{.Names}}')" = job ]
  docker inspect -f '{{json .State}}' job | jq -e '.Running == true and .Pid > 0'
}

@test "docker events: container create, start, die and destroy, filtered" {
  since=$(date +%s)
  docker run --rm --name ev bb:1 true
  until=$(( $(date +%s) + 1 ))
  run docker events --since "$since" --until "$until" --filter container=ev --format '{{.Action}}'
  echo "$output"
  [[ "$output" == *create* ]]
  [[ "$output" == *start* ]]
  [[ "$output" == *die* ]]
  [[ "$output" == *destroy* ]]
}

@test "berthd killed with -9: docker ps, logs -f and wait stay right after a restart" {
  docker run -d --name survivor bb:1 sh -c 'i=0; while [ $i -lt 20 ]; do echo t$i; i=$((i+1)); sleep 0.1; done; exit 4' >/dev/null
  kill -9 "$(cat "$T/berthd.pid")"
  wait_gone "$(cat "$T/berthd.pid")"
  rm -f "$T/berthd.pid"
  start_berthd
  run timeout 20 docker logs -f survivor
  [[ "$output" == *t0* && "$output" == *t19* ]]
  [ "$(docker wait survivor)" = 4 ]
  [ "$(docker inspect -f '{{.State.Status}}' survivor)" = exited ]
}

# pty [pty_run options] -- CMD...: CMD on a fresh terminal (tests/lib/pty_run.py).
pty() {
  python3 "$SRC/tests/lib/pty_run.py" "$@"
}

@test "docker run -it through a terminal: output, window size, exit status" {
  run pty --size 30x100 --expect '# ' --send 'echo hi-$((1+2)); stty size; exit 3\r' -- \
    docker run -it --rm bb:1 sh
  [ "$status" -eq 3 ]
  [[ "$output" == *hi-3* ]]
  [[ "$output" == *"30 100"* ]]
}

@test "docker run -it: ctrl-p ctrl-q detaches; docker attach; docker exec -it" {
  run pty --expect '# ' --send '\x10\x11' -- docker run -it --name dt bb:1 sh
  [ "$status" -eq 0 ]
  [ "$(docker inspect -f '{{.State.Running}}' dt)" = true ]
  # Attach again, type, detach: the shell is the same one.
  run pty --send '\r' --expect '# ' --send 'echo attached-$((2*3))\r' --expect 'attached-6' \
    --send '\x10\x11' -- docker attach dt
  [[ "$output" == *attached-6* ]]
  [ "$(docker inspect -f '{{.State.Running}}' dt)" = true ]
  run pty --size 20x60 --expect '# ' --send 'tty; stty size; exit 4\r' -- docker exec -it dt sh
  [ "$status" -eq 4 ]
  [[ "$output" == */dev/pts/* ]]
  [[ "$output" == *"20 60"* ]]
}
