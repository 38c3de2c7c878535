#!/usr/bin/env bats
# berthd's security options through the berth client, each observed from
# inside the container or from the host's cgroup files: --cap-add and
# --cap-drop (CapEff/CapBnd), --privileged (the host's bounding set, no
# seccomp, host devices, /sys writable, mount works), --security-opt
# no-new-privileges and seccomp (unconfined, a profile file), --read-only,
# --device, --device-cgroup-rule, --group-add, --sysctl; and bad input
# refused at create with one line, exit 125 and nothing created.

load daemon_helpers

setup_file() {
  daemon_suite_setup sec
  start_berthd
  export DATA SOCK
  b import -c 'CMD ["sh"]' "$T/rootfs.tar" bb:1 >/dev/null
}

teardown_file() {
  [ -n "${T:-}" ] || return 0
  stop_berthd_and_containers
  daemon_suite_teardown
}

teardown() {
  local id
  for id in $(b ps -aq 2>/dev/null); do b rm -f "$id" >/dev/null 2>&1 || true; done
}

# status_field FIELD OUTPUT: the value of "FIELD:" in /proc/self/status text.
status_field() {
  printf '%s\n' "$2" | awk -v f="$1:" '$1 == f {print $2}'
}

# bit HEXMASK N: 1 when capability bit N is set in HEXMASK.
bit() {
  echo $(( (0x$1 >> $2) & 1 ))
}

# nothing_created: no container record left.
nothing_created() {
  [ "$(b ps -aq | wc -l)" -eq 0 ]
}

# one_line: the last `run` failed with one line of error (the client adds
# "See 'berth run --help'." after it).
one_line() {
  [ "${#lines[@]}" -le 2 ]
  [[ "${lines[1]:-See}" == See* ]]
}

devices_list() {
  cat "/sys/fs/cgroup/devices/berth/$1/devices.list"
}

have_v1_devices() {
  [ -d /sys/fs/cgroup/devices/berth ] || [ -f /sys/fs/cgroup/devices/devices.list ]
}

@test "defaults: docker's 14 capabilities, seccomp filter, new privileges allowed" {
  run b run --rm bb:1 cat /proc/self/status
  [ "$status" -eq 0 ]
  [ "$(status_field CapEff "$output")" = 00000000a80425fb ]
  [ "$(status_field CapBnd "$output")" = 00000000a80425fb ]
  [ "$(status_field CapInh "$output")" = 0000000000000000 ]
  [ "$(status_field Seccomp "$output")" = 2 ]
  [ "$(status_field NoNewPrivs "$output")" = 0 ]
}

@test "--cap-add and --cap-drop: any case, with or without CAP_, ALL" {
  run b run --rm --cap-add sys_admin --cap-drop CAP_NET_RAW bb:1 cat /proc/self/status
  [ "$status" -eq 0 ]
  eff=$(status_field CapEff "$output")
  [ "$(bit "$eff" 21)" -eq 1 ]  # CAP_SYS_ADMIN
  [ "$(bit "$eff" 13)" -eq 0 ]  # CAP_NET_RAW
  [ "$(bit "$eff" 0)" -eq 1 ]   # CAP_CHOWN kept
  [ "$(status_field CapBnd "$output")" = "$eff" ]
  # Drop ALL, then add one: that one alone.
  run b run --rm --cap-drop all --cap-add chown bb:1 cat /proc/self/status
  [ "$(status_field CapEff "$output")" = 0000000000000001 ]
  # A dropped capability is really gone: chown fails without CAP_CHOWN.
  run b run --rm --cap-drop CHOWN bb:1 sh -c 'touch /tmp/f && chown 1:1 /tmp/f'
  [ "$status" -ne 0 ]
  [[ "$output" == *"Operation not permitted"* ]]
  # With CAP_SYS_ADMIN the default profile admits mount.
  run b run --rm --cap-add SYS_ADMIN bb:1 sh -c 'mkdir /tmp/m && mount -t tmpfs t /tmp/m && echo mounted'
  [ "$status" -eq 0 ]
  [ "$output" = mounted ]
}

@test "an unknown capability is refused at create: one line, exit 125, nothing created" {
  run b run --rm --cap-add NOPE bb:1 true
  [ "$status" -eq 125 ]
  [[ "$output" == *'unknown capability: "CAP_NOPE"'* ]]
  one_line
  nothing_created
  run b create --cap-drop bogus bb:1 true
  [ "$status" -eq 125 ]
  [[ "$output" == *'unknown capability: "CAP_BOGUS"'* ]]
  nothing_created
  # The API says 400.
  code=$(api POST /containers/create -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    -d '{"Image":"bb:1","HostConfig":{"CapAdd":["CAP_FOO"]}}')
  [ "$code" = 400 ]
  nothing_created
}

@test "a capability outside the host's bounding set is refused at create, not at start" {
  command -v capsh >/dev/null || skip "no capsh"
  bnd=$(awk '$1 == "CapBnd:" {print $2}' "/proc/$(cat "$T/berthd.pid")/status")
  last=$(cat /proc/sys/kernel/cap_last_cap)
  missing=$(( ~0x$bnd & ((1 << (last + 1)) - 1) ))
  [ "$missing" -ne 0 ] || skip "berthd's bounding set is full"
  cap=$(capsh --decode="$(printf '%x' "$missing")" | sed 's/.*=//; s/,.*//')
  run b run --rm --cap-add "$cap" bb:1 true
  [ "$status" -eq 125 ]
  [[ "$output" == *"capability ${cap^^} cannot be granted: it is not in this host's bounding set"* ]]
  one_line
  nothing_created
}

@test "--privileged: the host's bounding set, no seccomp, host devices, /sys writable, mount works" {
  host_bnd=$(awk '$1 == "CapBnd:" {print $2}' "/proc/$(cat "$T/berthd.pid")/status")
  run b run --rm --privileged bb:1 cat /proc/self/status
  [ "$status" -eq 0 ]
  [ "$(status_field CapBnd "$output")" = "$host_bnd" ]
  [ "$(status_field CapEff "$output")" = "$host_bnd" ]
  [ "$(status_field Seccomp "$output")" = 0 ]
  run b run --rm --privileged bb:1 sh -c '
    mkdir /tmp/m && mount -t tmpfs t /tmp/m && echo mounted
    grep " /sys sysfs " /proc/mounts | cut -d" " -f4 | cut -d, -f1
    grep -c " /proc/kcore " /proc/mounts
    ls /dev'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = mounted ]
  [ "${lines[1]}" = rw ]
  [ "${lines[2]}" = 0 ]  # nothing masked
  for d in $(ls /dev | grep -E '^(loop0|kmsg|fuse|null)$'); do
    [[ "$output" == *"$d"* ]]
  done
  if have_v1_devices; then
    id=$(b run -d --privileged bb:1 sleep 100)
    [ "$(devices_list "$id")" = "a *:* rwm" ]
  fi
}

@test "--security-opt no-new-privileges and seccomp=unconfined" {
  for opt in no-new-privileges no-new-privileges:true no-new-privileges=true; do
    run b run --rm --security-opt "$opt" bb:1 cat /proc/self/status
    [ "$status" -eq 0 ]
    [ "$(status_field NoNewPrivs "$output")" = 1 ]
  done
  run b run --rm --security-opt no-new-privileges=false bb:1 cat /proc/self/status
  [ "$(status_field NoNewPrivs "$output")" = 0 ]
  run b run --rm --security-opt seccomp=unconfined bb:1 cat /proc/self/status
  [ "$(status_field Seccomp "$output")" = 0 ]
  # AppArmor is not on this host: its option is accepted and ignored.
  run b run --rm --security-opt apparmor=unconfined --security-opt label=disable bb:1 true
  [ "$status" -eq 0 ]
  run b run --rm --security-opt label=user:x bb:1 true
  [ "$status" -eq 125 ]
  [[ "$output" == *"invalid --security-opt"* ]]
  run b run --rm --security-opt nonsense=1 bb:1 true
  [ "$status" -eq 125 ]
  [[ "$output" == *'invalid --security-opt: "nonsense=1"'* ]]
  nothing_created
}

@test "--security-opt seccomp=FILE: the profile is read client-side and enforced" {
  cat >"$T/nomkdir.json" <<'JSON'
{
  "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]
}
JSON
  run b run --rm --security-opt "seccomp=$T/nomkdir.json" bb:1 sh -c 'grep Seccomp: /proc/self/status; mkdir /tmp/d'
  [ "$status" -ne 0 ]
  [[ "$output" == *"Seccomp:"*2* ]]
  [[ "$output" == *"Operation not permitted"* ]]
  # The same command without the profile works.
  run b run --rm bb:1 mkdir /tmp/d
  [ "$status" -eq 0 ]
  # The record holds the profile's text, as docker's does.
  id=$(b create --security-opt "seccomp=$T/nomkdir.json" bb:1 true)
  api GET "/containers/$id/json" | jq -e '.HostConfig.SecurityOpt[0] | startswith("seccomp={")'
}

@test "a seccomp profile that does not parse: one line, exit 125, nothing created" {
  printf '{ "defaultAction": ' >"$T/broken.json"
  run b run --rm --security-opt "seccomp=$T/broken.json" bb:1 true
  [ "$status" -eq 125 ]
  [[ "$output" == *"seccomp profile"* ]]
  one_line
  run b run --rm --security-opt "seccomp=$T/no-such-file.json" bb:1 true
  [ "$status" -eq 125 ]
  [[ "$output" == *"opening seccomp profile"* ]]
  # Valid JSON, not a profile: the daemon refuses it.
  echo '{"defaultAction": "SCMP_ACT_NOPE"}' >"$T/badaction.json"
  run b run --rm --security-opt "seccomp=$T/badaction.json" bb:1 true
  [ "$status" -eq 125 ]
  [[ "$output" == *"invalid --security-opt seccomp"* ]]
  one_line
  # Through the API, a profile text that does not parse is a 400.
  out=$(api POST /containers/create -w ' %{http_code}' -H 'Content-Type: application/json' \
    -d '{"Image":"bb:1","HostConfig":{"SecurityOpt":["seccomp={\"defaultAction\": "]}}')
  [[ "$out" == *"not valid JSON"*" 400" ]]
  nothing_created
}

@test "--read-only: / and the /etc files read-only; /dev, /dev/shm, /dev/mqueue and volumes writable" {
  run b run --rm --read-only bb:1 sh -c 'touch /x; touch /tmp/x; echo 1 >/etc/hosts'
  [ "$status" -ne 0 ]
  [ "$(printf '%s\n' "$output" | grep -c 'Read-only file system')" -eq 3 ]
  run b run --rm --read-only bb:1 sh -c 'touch /dev/x && touch /dev/shm/x && ls /dev/mqueue >/dev/null && grep " / " /proc/mounts | cut -d" " -f4 | cut -d, -f1'
  [ "$status" -eq 0 ]
  [ "$output" = ro ]
  [ "$(api GET /containers/json?all=1 | jq length)" -eq 0 ]
}

@test "--device: the node exists and is usable, with its cgroup rule" {
  [ -b /dev/loop0 ] || skip "no /dev/loop0"
  run b run --rm --device /dev/loop0:/dev/myloop:r bb:1 sh -c 'stat -c "%F %t:%T" /dev/myloop; head -c 1 /dev/myloop >/dev/null && echo read-ok; echo x >/dev/myloop || echo write-refused'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "block special file 7:0" ]
  [ "${lines[1]}" = read-ok ]
  [[ "$output" == *write-refused* ]]
  if have_v1_devices; then
    id=$(b run -d --device /dev/loop0:/dev/myloop:r bb:1 sleep 100)
    devices_list "$id" | grep -qx 'b 7:0 r'
  fi
  # Without the mapping the same node is refused by the device cgroup.
  run b run --rm bb:1 sh -c 'mknod /dev/l b 7 0 && head -c 1 /dev/l'
  [ "$status" -ne 0 ]
  [[ "$output" == *"Operation not permitted"* ]]
}

@test "--device of a missing host device: docker's message, exit 125, nothing created" {
  run b run --rm --device /dev/berth-no-such-dev bb:1 true
  [ "$status" -eq 125 ]
  [[ "$output" == *'error gathering device information while adding custom device "/dev/berth-no-such-dev": no such file or directory'* ]]
  one_line
  run b create --device /dev/berth-no-such-dev:/dev/x bb:1 true
  [ "$status" -eq 125 ]
  nothing_created
}

@test "--device-cgroup-rule: a node made inside becomes usable; bad rules refused" {
  [ -b /dev/loop0 ] || skip "no /dev/loop0"
  run b run --rm --device-cgroup-rule 'b 7:* rwm' bb:1 sh -c 'mknod /dev/l b 7 0 && head -c 1 /dev/l >/dev/null && echo ok'
  [ "$status" -eq 0 ]
  [ "$output" = ok ]
  if have_v1_devices; then
    id=$(b run -d --device-cgroup-rule 'c 1:11 r' bb:1 sleep 100)
    devices_list "$id" | grep -qx 'c 1:11 r'
  fi
  run b run --rm --device-cgroup-rule 'x 1:2 r' bb:1 true
  [ "$status" -eq 125 ]
  [[ "$output" == *"invalid device cgroup rule format: 'x 1:2 r'"* ]]
  b rm -f "$id" >/dev/null 2>&1 || true
  nothing_created
}

@test "--group-add: names from the container's /etc/group and numbers; an unknown name fails the start" {
  run b run --rm --group-add nogroup --group-add 1234 bb:1 id -G
  [ "$status" -eq 0 ]
  [ "$output" = "0 1234 65534" ]  # the kernel keeps groups sorted
  run b run --rm --group-add nosuchgroup bb:1 true
  [ "$status" -eq 125 ]
  [[ "$output" == *"Unable to find group nosuchgroup"* ]]
}

@test "--sysctl: namespaced ones set inside; others refused at create" {
  run b run --rm --sysctl kernel.shmmax=123456789 --sysctl net.ipv4.ip_forward=1 \
    --sysctl fs.mqueue.msg_max=20 bb:1 cat /proc/sys/kernel/shmmax /proc/sys/net/ipv4/ip_forward /proc/sys/fs/mqueue/msg_max
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 123456789 ]
  [ "${lines[1]}" = 1 ]
  [ "${lines[2]}" = 20 ]
  # The host's values are untouched.
  [ "$(cat /proc/sys/kernel/shmmax)" != 123456789 ]
  run b run --rm --sysctl kernel.panic=1 bb:1 true
  [ "$status" -eq 125 ]
  [[ "$output" == *'sysctl "kernel.panic" is not allowed: it is not namespaced'* ]]
  one_line
  run b run --rm --network host --sysctl net.ipv4.ip_forward=1 bb:1 true
  [ "$status" -eq 125 ]
  [[ "$output" == *"shares a network namespace"* ]]
  nothing_created
}

@test "inspect shows the options as docker does" {
  id=$(b create --privileged --cap-add NET_ADMIN --cap-drop chown --read-only \
    --security-opt no-new-privileges --group-add 7 --sysctl kernel.msgmax=9000 \
    --device /dev/null:/dev/n2:rw --device-cgroup-rule 'c 1:3 r' bb:1 true)
  h=$(api GET "/containers/$id/json" | jq -c .HostConfig)
  echo "$h" | jq -e '.Privileged == true and .ReadonlyRootfs == true'
  echo "$h" | jq -e '.CapAdd == ["CAP_NET_ADMIN"] and .CapDrop == ["CAP_CHOWN"]'
  echo "$h" | jq -e '.SecurityOpt == ["no-new-privileges"] and .GroupAdd == ["7"]'
  echo "$h" | jq -e '.Sysctls == {"kernel.msgmax": "9000"} and .DeviceCgroupRules == ["c 1:3 r"]'
  echo "$h" | jq -e '.Devices == [{"PathOnHost":"/dev/null","PathInContainer":"/dev/n2","CgroupPermissions":"rw"}]'
  h=$(api GET "/containers/$(b create bb:1 true)/json" | jq -c .HostConfig)
  echo "$h" | jq -e '.CapAdd == null and .SecurityOpt == null and .Devices == [] and .Privileged == false'
}
