#!/usr/bin/env bats
# The real docker CLI against a berthd running with userns-remap: docker
# info lists userns, docker run sees the subordinate range as its root's
# map, the image owned by root and a writable "/", --userns host gets the
# host's map, and --privileged without --userns host is refused. The remap
# user is the system user "bin", with a range this file adds and removes.

load ../integration/daemon_helpers
load ../integration/userns_helpers

SUB=362144
SUBLEN=65536

setup_file() {
  getent passwd bin >/dev/null || skip "no user bin"
  daemon_suite_setup dku docker
  # A remapped container's root resolves its rootfs under the data root
  # from inside its user namespace: the path must be searchable by others,
  # as /var/lib/berth is (mktemp makes $T 0700).
  chmod 711 "$T"
  add_subids bin "$SUB" "$SUBLEN"
}

teardown_file() {
  [ -n "${T:-}" ] || return 0
  remove_subids
  daemon_suite_teardown
}

setup() {
  rm -rf "$T/data" "$T/run" "$T/berthd.log"
  start_berthd_remap bin
  export DOCKER_HOST=unix://$SOCK
  docker import "$T/rootfs.tar" bb:1 >/dev/null
}

teardown() {
  daemon_test_teardown
}

@test "docker info and docker run under userns-remap" {
  run docker info --format '{{json .SecurityOptions}}'
  [ "$status" -eq 0 ]
  [[ "$output" == *'"name=userns"'* ]]
  run docker run --rm bb:1 sh -c 'cat /proc/self/uid_map; id -u; stat -c %u /bin/busybox; echo w >/w && cat /w'
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | awk 'NR==1 {print $1, $2, $3}')" = "0 $SUB $SUBLEN" ]
  [ "${lines[1]}" = 0 ]
  [ "${lines[2]}" = 0 ]
  [ "${lines[3]}" = w ]
  id=$(docker run -d bb:1 sh -c 'echo x >/made; exec sleep 1000')
  wait_for test -e "$DATA/snapshots/active/$id/upper/made"
  [ "$(stat -c %u "$DATA/snapshots/active/$id/upper/made")" = "$SUB" ]
  [ "$(docker exec "$id" id -u)" = 0 ]
}

@test "docker run --userns host; host namespaces and --privileged refused without it" {
  run docker run --rm --userns host bb:1 cat /proc/self/uid_map
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | awk '{print $1, $2, $3}')" = "0 0 4294967295" ]
  # The host's network and pid namespaces need --userns host, as dockerd says.
  run docker run --rm --net host bb:1 true
  [ "$status" -eq 125 ]
  [[ "$output" == *"cannot share the host's network namespace when user namespaces are enabled"* ]]
  run docker run --rm --pid host bb:1 true
  [ "$status" -eq 125 ]
  [[ "$output" == *"cannot share the host PID namespace when user namespaces are enabled"* ]]
  run docker run --rm --userns host --net host bb:1 readlink /proc/self/ns/net
  [ "$status" -eq 0 ]
  [ "$output" = "$(readlink /proc/self/ns/net)" ]
  [ "$(docker ps -aq | wc -l)" -eq 0 ]
  run docker create --name probe --userns host --privileged bb:1 true
  [ "$status" -eq 0 ] || skip "--privileged is not supported on this branch: $output"
  [ "$(docker inspect -f '{{.HostConfig.Privileged}}' probe)" = true ] ||
    skip "--privileged is not parsed on this branch"
  run docker run --rm --privileged bb:1 true
  [ "$status" -eq 125 ]
  [[ "$output" == *"privileged mode is incompatible with user namespaces"* ]]
}
