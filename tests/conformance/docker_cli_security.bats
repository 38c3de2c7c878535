#!/usr/bin/env bats
# The real docker CLI against berthd, security options: --cap-add/--cap-drop,
# --privileged (which docker 20.10's own daemon cannot run on a host whose
# bounding set lacks a capability; berthd gives the host's set),
# --security-opt no-new-privileges and seccomp=FILE (docker's CLI reads the
# file and sends its text), --read-only, --device, --group-add, --sysctl,
# and the refusals (unknown capability, bad profile, non-namespaced
# sysctl, missing device): exit 125, nothing created.

load ../integration/daemon_helpers

setup_file() {
  daemon_suite_setup dks docker
  start_berthd
  export DATA SOCK DOCKER_HOST=unix://$SOCK
  docker import "$T/rootfs.tar" bb:1 >/dev/null
}

teardown_file() {
  [ -n "${T:-}" ] || return 0
  stop_berthd_and_containers
  daemon_suite_teardown
}

teardown() {
  local id
  for id in $(docker ps -aq 2>/dev/null); do docker rm -f "$id" >/dev/null 2>&1 || true; done
}

status_field() {
  printf '%s\n' "$2" | awk -v f="$1:" '$1 == f {print $2}'
}

nothing_created() {
  [ "$(docker ps -aq | wc -l)" -eq 0 ]
}

@test "docker run --cap-add/--cap-drop and --privileged" {
  run docker run --rm --cap-drop ALL --cap-add chown --cap-add kill bb:1 cat /proc/self/status
  [ "$status" -eq 0 ]
  [ "$(status_field CapEff "$output")" = 0000000000000021 ]
  host_bnd=$(awk '$1 == "CapBnd:" {print $2}' "/proc/$(cat "$T/berthd.pid")/status")
  run docker run --rm --privileged bb:1 sh -c 'cat /proc/self/status; mkdir /tmp/m && mount -t tmpfs t /tmp/m && echo mounted'
  [ "$status" -eq 0 ]
  [ "$(status_field CapBnd "$output")" = "$host_bnd" ]
  [ "$(status_field Seccomp "$output")" = 0 ]
  [[ "$output" == *mounted* ]]
  [ "$(docker inspect -f '{{.HostConfig.Privileged}}' "$(docker create --privileged bb:1 true)")" = true ]
}

@test "docker run --cap-add of an unknown capability: exit 125, nothing created" {
  run docker run --rm --cap-add NOPE bb:1 true
  [ "$status" -eq 125 ]
  [[ "$output" == *'unknown capability: "CAP_NOPE"'* ]]
  nothing_created
}

@test "docker run --security-opt no-new-privileges and seccomp=FILE" {
  run docker run --rm --security-opt no-new-privileges bb:1 cat /proc/self/status
  [ "$(status_field NoNewPrivs "$output")" = 1 ]
  printf '%s\n' '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]}' >"$T/p.json"
  run docker run --rm --security-opt "seccomp=$T/p.json" bb:1 mkdir /tmp/d
  [ "$status" -ne 0 ]
  [[ "$output" == *"Operation not permitted"* ]]
  run docker run --rm --security-opt seccomp=unconfined bb:1 cat /proc/self/status
  [ "$(status_field Seccomp "$output")" = 0 ]
  # docker's CLI refuses a file that is not JSON itself; a profile that is
  # JSON but not valid is berthd's to refuse.
  printf '{ "defaultAction": ' >"$T/broken.json"
  run docker run --rm --security-opt "seccomp=$T/broken.json" bb:1 true
  [ "$status" -eq 125 ]
  echo '{"defaultAction": "SCMP_ACT_NOPE"}' >"$T/bad.json"
  run docker run --rm --security-opt "seccomp=$T/bad.json" bb:1 true
  [ "$status" -eq 125 ]
  [[ "$output" == *"invalid --security-opt seccomp"* ]]
  nothing_created
}

@test "docker run --read-only, --device, --group-add, --sysctl" {
  run docker run --rm --read-only bb:1 sh -c 'touch /dev/shm/ok && touch /x'
  [ "$status" -ne 0 ]
  [[ "$output" == *"Read-only file system"* ]]
  if [ -b /dev/loop0 ]; then
    run docker run --rm --device /dev/loop0:/dev/myloop bb:1 sh -c 'head -c 1 /dev/myloop >/dev/null && echo ok'
    [ "$output" = ok ]
  fi
  run docker run --rm --group-add nogroup --group-add 4242 bb:1 id -G
  [ "$output" = "0 4242 65534" ]  # the kernel keeps groups sorted
  run docker run --rm --sysctl net.ipv4.ip_forward=1 --sysctl kernel.msgmax=9000 bb:1 \
    cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax
  [ "${lines[0]}" = 1 ]
  [ "${lines[1]}" = 9000 ]
}

@test "docker run refusals: missing device, non-namespaced sysctl" {
  # docker's CLI exits 127 for an error that says "no such file or directory".
  run -127 docker run --rm --device /dev/berth-no-such-dev bb:1 true
  [[ "$output" == *'error gathering device information while adding custom device "/dev/berth-no-such-dev"'* ]]
  # docker's CLI checks the sysctl list itself; through the API berthd does.
  run docker run --rm --sysctl kernel.panic=1 bb:1 true
  [ "$status" -eq 125 ]
  code=$(api POST /containers/create -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    -d '{"Image":"bb:1","HostConfig":{"Sysctls":{"kernel.panic":"1"}}}')
  [ "$code" = 400 ]
  nothing_created
}
