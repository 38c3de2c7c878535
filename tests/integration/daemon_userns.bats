#!/usr/bin/env bats
# berthd with userns-remap: every container's root is a subordinate user of
# the host (the first range of the remap user in /etc/subuid, /etc/subgid),
# the image's layers appear owned by the container's root through idmapped
# mounts (or shifted copies where the kernel refuses), what the container
# writes lands on the host owned by its subordinate ids, --userns host
# keeps the host's ids, and a remap user without a range stops berthd.
# The remap user is the system user "daemon", with a range this file adds
# and removes again.

load daemon_helpers
load userns_helpers

SUB=231072 # the first host id of the test range
SUBLEN=65536

setup_file() {
  getent passwd daemon >/dev/null || skip "no user daemon"
  daemon_suite_setup uns
  # A remapped container's root resolves its rootfs under the data root
  # from inside its user namespace: the path must be searchable by others,
  # as /var/lib/berth is (mktemp makes $T 0700).
  chmod 711 "$T"
  add_subids daemon "$SUB" "$SUBLEN"
}

teardown_file() {
  [ -n "${T:-}" ] || return 0
  remove_subids
  daemon_suite_teardown
}

setup() {
  rm -rf "$T/data" "$T/run" "$T/berthd.log"
}

teardown() {
  daemon_test_teardown
}

remapped_daemon() {
  start_berthd_remap daemon
  b import -c 'CMD ["sh"]' "$T/rootfs.tar" bb:1 >/dev/null
}

# create_api NAME HOSTCONFIG CMD...: creates bb:1 running CMD with the
# given HostConfig JSON through the Engine API (the client's --userns and
# --privileged are the security options' area); prints the answer. CMD
# must not have words jq takes for its options (-c, -n, ...).
create_api() {
  local name=$1 hc=$2
  shift 2
  api POST "/containers/create?name=$name" -H 'Content-Type: application/json' \
    -d "$(jq -nc --argjson hc "$hc" '{Image: "bb:1", Cmd: $ARGS.positional, HostConfig: $hc}' \
      --args "$@")"
}

# run_api NAME HOSTCONFIG CMD...: create_api, start, wait; the output on stdout.
run_api() {
  local name=$1
  create_api "$@" | jq -e .Id >/dev/null
  api POST "/containers/$name/start" >/dev/null
  api POST "/containers/$name/wait" >/dev/null
  b logs "$name"
}

# upper ID: the host path of a container's writable layer.
upper() {
  echo "$DATA/snapshots/active/$1/upper"
}

@test "userns-remap: root in the container is the subordinate range; /info says userns" {
  remapped_daemon
  run b run --rm bb:1 cat /proc/self/uid_map /proc/self/gid_map
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | awk 'NR==1 {print $1, $2, $3}')" = "0 $SUB $SUBLEN" ]
  [ "$(echo "$output" | awk 'NR==2 {print $1, $2, $3}')" = "0 $SUB $SUBLEN" ]
  run b run --rm bb:1 id -u
  [ "$output" = 0 ]
  # The init runs as the subordinate uid on the host.
  b run -d --name up bb:1 sleep 1000 >/dev/null
  pid=$(api GET /containers/up/json | jq .State.Pid)
  [ "$(awk '/^Uid:/ {print $2}' /proc/$pid/status)" = "$SUB" ]
  # exec joins the same namespace.
  [ "$(b exec up id -u)" = 0 ]
  [ "$(b exec up awk '{print $2}' /proc/self/uid_map)" = "$SUB" ]
  api GET /info | jq -e '.SecurityOptions | index("name=userns")' >/dev/null
}

@test "userns-remap: the image is owned by root inside, writes land as the subordinate ids" {
  remapped_daemon
  id=$(b run -d --name wr bb:1 sleep 1000)
  [ "$(b exec wr stat -c %u:%g /bin/busybox)" = 0:0 ]
  [ "$(b exec wr stat -c %u:%g /)" = 0:0 ]
  # Root may write "/", make directories, change a file of the image.
  b exec wr sh -c 'echo new >/made && mkdir -p /d/e && echo x:x:5:5::/:/bin/sh >>/etc/passwd'
  [ "$(b exec wr cat /made)" = new ]
  # On the host: the new files and the copied-up one belong to the range.
  [ "$(stat -c %u:%g "$(upper "$id")/made")" = "$SUB:$SUB" ]
  [ "$(stat -c %u:%g "$(upper "$id")/d/e")" = "$SUB:$SUB" ]
  [ "$(stat -c %u:%g "$(upper "$id")/etc/passwd")" = "$SUB:$SUB" ]
  # The shared layer keeps the host's root as owner and its old content.
  layer=$(ls -d "$DATA"/snapshots/layers/*/fs | head -1)
  [ "$(stat -c %u "$layer/etc/passwd")" = 0 ]
  run grep -c x:x:5:5 "$layer/etc/passwd"
  [ "$output" = 0 ]
  # Idmapped mounts, not copies, on this kernel.
  [ ! -e "$DATA/snapshots/active/$id/lowers" ]
  # A file chowned inside to a container uid lands as START+uid.
  b exec wr sh -c 'touch /owned && chown 5:7 /owned'
  [ "$(stat -c %u:%g "$(upper "$id")/owned")" = "$((SUB + 5)):$((SUB + 7))" ]
}

@test "userns-remap: where idmapped mounts are refused, shifted copies (never the shared layers)" {
  BERTH_TEST_NO_IDMAP=1 remapped_daemon
  id=$(b run -d --name cp1 bb:1 sleep 1000)
  [ "$(b exec cp1 stat -c %u:%g /bin/busybox)" = 0:0 ]
  b exec cp1 sh -c 'echo new >/made'
  [ "$(stat -c %u "$(upper "$id")/made")" = "$SUB" ]
  [ -e "$DATA/snapshots/active/$id/lowers/complete" ]
  layer=$(ls -d "$DATA"/snapshots/layers/*/fs | head -1)
  [ "$(stat -c %u "$layer/bin/busybox")" = 0 ]
  # A restart reuses the copies.
  b stop -t 1 cp1 >/dev/null
  b start cp1 >/dev/null
  [ "$(b exec cp1 stat -c %u /bin/busybox)" = 0 ]
  # Removal takes them away.
  b rm -f cp1 >/dev/null
  [ ! -e "$DATA/snapshots/active/$id" ]
}

@test "userns-remap: --userns host keeps the host's ids" {
  remapped_daemon
  run run_api hostns '{"UsernsMode": "host"}' cat /proc/self/uid_map
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | awk '{print $1, $2, $3}')" = "0 0 4294967295" ]
  id=$(create_api hostw '{"UsernsMode": "host"}' touch /host-made | jq -r .Id)
  api POST /containers/hostw/start >/dev/null
  api POST /containers/hostw/wait >/dev/null
  [ "$(stat -c %u "$(upper "$id")/host-made")" = 0 ]
  [ "$(api GET /containers/hostw/json | jq -r .HostConfig.UsernsMode)" = host ]
}

@test "userns-remap: sharing another container's pid and net namespaces" {
  remapped_daemon
  b run -d --name first bb:1 sleep 1000 >/dev/null
  pid=$(api GET /containers/first/json | jq .State.Pid)
  run b run --rm --pid container:first bb:1 ps -o comm
  [ "$status" -eq 0 ]
  [[ "$output" == *sleep* ]]
  run b run --rm --net container:first bb:1 sh -c 'readlink /proc/self/ns/net; id -u'
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | head -1)" = "$(readlink /proc/$pid/ns/net)" ]
  [ "$(echo "$output" | tail -1)" = 0 ]
}

@test "userns-remap: the host's net and pid namespaces need --userns host, as in docker" {
  remapped_daemon
  run b run --rm --net host bb:1 true
  [ "$status" -eq 125 ]
  [[ "$output" == *"cannot share the host's network namespace when user namespaces are enabled"* ]]
  run b run --rm --pid host bb:1 true
  [ "$status" -eq 125 ]
  [[ "$output" == *"cannot share the host PID namespace when user namespaces are enabled"* ]]
  # Nothing was created.
  [ "$(b ps -aq | wc -l)" -eq 0 ]
  [ -z "$(ls "$DATA/snapshots/active")" ]
  run run_api hostnet '{"UsernsMode": "host", "NetworkMode": "host"}' readlink /proc/self/ns/net
  [ "$status" -eq 0 ]
  [ "$output" = "$(readlink /proc/self/ns/net)" ]
}

@test "userns-remap: --privileged needs --userns host" {
  remapped_daemon
  create_api probe '{"UsernsMode": "host", "Privileged": true}' true >/dev/null
  [ "$(api GET /containers/probe/json | jq .HostConfig.Privileged)" = true ] ||
    skip "HostConfig.Privileged is not parsed on this branch (security options' area)"
  run create_api priv '{"Privileged": true}' true
  [[ "$output" == *"privileged mode is incompatible with user namespaces"* ]]
  [ "$(b ps -aq | wc -l)" -eq 1 ]
  run run_api privhost '{"UsernsMode": "host", "Privileged": true}' true
  [ "$status" -eq 0 ]
}

@test "userns-remap: an unknown user or one without a range stops berthd with one line" {
  printf '{"userns-remap": "no-such-user-berth"}\n' >"$T/bad.json"
  run timeout 10 "$BERTHD" --config-file "$T/bad.json" --data-root "$T/data" \
    --exec-root "$T/run" -H "unix://$T/bad.sock"
  [ "$status" -eq 1 ]
  [ "$output" = 'berthd: userns-remap "no-such-user-berth": user no-such-user-berth does not exist' ]
  [ ! -e "$T/bad.sock" ]
  # A real user without a subordinate range (the flag over the file).
  getent passwd nobody >/dev/null || skip "no user nobody"
  run timeout 10 "$BERTHD" --config-file /dev/null --userns-remap nobody --data-root "$T/data" \
    --exec-root "$T/run" -H "unix://$T/bad.sock"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *'userns-remap "nobody": no subordinate uid range for nobody in /etc/subuid'* ]]
}
