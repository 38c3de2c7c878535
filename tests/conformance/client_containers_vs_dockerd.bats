#!/usr/bin/env bats
# berth's container commands against the reference: a private dockerd
# (Debian's 20.10, --bridge none) under $T, driven by `berth -H`, each
# check what dockerd (and the docker CLI's inspect) really shows. The image
# is a busybox rootfs imported into dockerd. Skips when dockerd can't start.

load ../integration/daemon_helpers
load ../integration/interop_helpers

setup_file() {
  [ "$(id -u)" -eq 0 ] || skip "dockerd needs root"
  command -v dockerd >/dev/null || skip "no dockerd"
  command -v docker >/dev/null || skip "no docker CLI"
  command -v busybox >/dev/null || skip "no busybox"
  T=$(mktemp -d /tmp/berth-ccli-XXXXXX)
  export T
  note_peer_cgroups
  start_dockerd || skip "dockerd did not start"
  mkdir -p "$T/rootfs/bin"
  cp "$(command -v busybox)" "$T/rootfs/bin/busybox"
  for a in sh echo sleep cat true trap; do ln -sf busybox "$T/rootfs/bin/$a"; done
  tar -C "$T/rootfs" --numeric-owner -cf "$T/rootfs.tar" .
  dk import "$T/rootfs.tar" bb:1 >/dev/null
}

teardown_file() {
  [ -n "${T:-}" ] || return 0
  dk rm -f $(dk ps -aq) >/dev/null 2>&1 || true
  stop_dockerd
  clean_peers
  rm -rf "$T"
}

# bb ARGS...: berth against the test's dockerd.
bb() {
  "$BERTH" -H "unix://$T/docker.sock" "$@"
}

@test "run -d --name prints the ID docker inspect agrees with; ps shows it Up" {
  run bb run -d --name web --network none bb:1 sleep 1000
  [ "$status" -eq 0 ]
  [ "$output" = "$(dk inspect -f '{{.Id}}' web)" ]
  [ "${#output}" -eq 64 ]
  run bb ps
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "$(dk ps | head -1)" ]
  [[ "${lines[1]}" == "$(dk inspect -f '{{.Id}}' web | cut -c1-12)   bb:1      \"sleep 1000\"   "* ]]
  [[ "${lines[1]}" == *"   Up "*"   web" ]]
  [ "$(bb ps -q)" = "$(dk ps -q)" ]
  [ "$(bb ps --format '{{.Names}}')" = "web" ]
  [ "$(bb container ls --filter name=web --format '{{.Names}} {{.Image}}')" = "web bb:1" ]
  [ -z "$(bb ps --filter name=nothing-like-it -q)" ]
  [ "$(bb inspect -f '{{.State.Status}}' web)" = running ]
  [ "$(bb container inspect -f '{{.Name}}' web)" = /web ]
}

@test "ps truncates the command to 20 characters, quoted, as docker does" {
  bb run -d --name long --network none bb:1 sh -c 'echo out; echo err >&2; sleep 1000' >/dev/null
  [ "$(bb ps --filter name=long --format '{{.Command}}')" = "$(dk ps --filter name=long --format '{{.Command}}')" ]
  [ "$(bb ps --filter name=long --format '{{.Command}}')" = "\"sh -c 'echo out; ec…\"" ]
  [ "$(bb ps --no-trunc --filter name=long --format '{{.ID}}')" = "$(dk inspect -f '{{.Id}}' long)" ]
}

@test "logs: stdout and stderr on their own fds, --tail, -t, -f ends with the container" {
  bb run -d --name lg --network none bb:1 sh -c 'echo out; echo err >&2' >/dev/null
  bb wait lg >/dev/null
  bb logs lg >"$T/o" 2>"$T/e"
  [ "$(cat "$T/o")" = out ]
  [ "$(cat "$T/e")" = err ]
  [ "$(bb logs --tail 1 lg 2>&1 | wc -l)" -eq 1 ]
  run bb logs -t lg
  [[ "${lines[0]}" =~ ^20[0-9-]+T[0-9:.]+Z\ (out|err)$ ]]
  # --since/--until as RFC 3339 times (converted to seconds for the API).
  [ "$(bb logs --since "$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)" lg 2>/dev/null)" = out ]
  [ "$(bb logs --until "$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)" lg 2>&1 | wc -l)" -eq 0 ]
  bb run -d --name lf --network none bb:1 sh -c 'echo a; sleep 1; echo b' >/dev/null
  run timeout 20 "$BERTH" -H "unix://$T/docker.sock" logs -f lf
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'a\nb')" ]
}

@test "stop -t 1 of a container ignoring TERM is killed: wait prints 137" {
  bb run -d --name st --network none bb:1 sleep 1000 >/dev/null
  run bb stop -t 1 st
  [ "$status" -eq 0 ]
  [ "$output" = st ]
  [ "$(bb wait st)" = 137 ]
  [ "$(dk inspect -f '{{.State.ExitCode}}' st)" = 137 ]
}

@test "kill -s, restart, pause and unpause" {
  bb run -d --name kl --network none bb:1 sh -c 'trap "exit 3" USR1; while true; do sleep 0.1; done' >/dev/null
  sleep 0.5
  [ "$(bb kill -s USR1 kl)" = kl ]
  [ "$(bb wait kl)" = 3 ]
  [ "$(bb restart -t 1 kl)" = kl ]
  [ "$(bb inspect -f "{{.State.Status}}" kl)" = running ]
  [ "$(bb pause kl)" = kl ]
  [ "$(dk inspect -f "{{.State.Status}}" kl)" = paused ]
  [[ "$(bb ps --filter name=kl --format '{{.Status}}')" == *"(Paused)" ]]
  [ "$(bb unpause kl)" = kl ]
  [ "$(dk inspect -f "{{.State.Status}}" kl)" = running ]
  bb kill kl >/dev/null
}

@test "top lists the container's process" {
  bb run -d --name tp --network none bb:1 sleep 1000 >/dev/null
  run bb top tp
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == UID* ]]
  [[ "$output" == *"sleep 1000"* ]]
}

@test "rm of a running container is refused with docker's 409 message; rm -f removes it" {
  bb run -d --name rr --network none bb:1 sleep 1000 >/dev/null
  id=$(dk inspect -f '{{.Id}}' rr)
  run bb rm rr
  [ "$status" -eq 1 ]
  [ "$output" = "Error response from daemon: You cannot remove a running container $id. Stop the container before attempting removal or force remove" ]
  run bb rm -f rr nope
  [ "$status" -eq 1 ]
  [ "${lines[0]}" = rr ]
  [ "${lines[1]}" = "Error response from daemon: No such container: nope" ]
  ! dk inspect rr >/dev/null 2>&1
}

@test "rename, create + start, and container prune" {
  bb create --name cr --network none bb:1 true >/dev/null
  bb rename cr cr2
  [ "$(dk inspect -f '{{.Name}}' cr2)" = /cr2 ]
  run bb rename cr cr3
  [ "$status" -eq 1 ]
  [ "${lines[1]}" = "Error: failed to rename container named cr" ]
  [ "$(bb start cr2)" = cr2 ]
  [ "$(bb wait cr2)" = 0 ]
  run bb container prune -f
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "Deleted Containers:" ]
  [[ "$output" == *"$(printf '\n\nTotal reclaimed space: ')"* ]]
  ! dk inspect cr2 >/dev/null 2>&1
}

@test "run without -d prints the output and exits with the container's status" {
  run bb run --rm --network none bb:1 sh -c 'echo hi; exit 7'
  [ "$status" -eq 7 ]
  [ "$output" = hi ]
}

@test "flag and daemon errors exit 125 in docker's words" {
  run bb run --bogus bb:1
  [ "$status" -eq 125 ]
  [ "${lines[0]}" = "unknown flag: --bogus" ]
  [ "${lines[1]}" = "See 'berth run --help'." ]
  run bb container ls --bogus
  [ "$status" -eq 125 ]
  [ "${lines[1]}" = "See 'berth container ls --help'." ]
  # No registry is reachable: the pull fails, run exits 125.
  run timeout 60 "$BERTH" -H "unix://$T/docker.sock" run -d --network none nosuch.invalid/x:1
  [ "$status" -eq 125 ]
  [ "${lines[0]}" = "Unable to find image 'nosuch.invalid/x:1' locally" ]
  [[ "$output" == *"See 'berth run --help'."* ]]
}
