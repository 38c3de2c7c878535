#!/usr/bin/env bats
# /dev: the standard device nodes and links, linux.devices, device cgroup.

load helpers
bats_require_minimum_version 1.5.0

setup_file() { make_template; }
setup() { setup_bundle_from_template; }
teardown() { teardown_bundle; }

# (run_in takes one argument per line: keep sh -c scripts on one line.)

@test "the standard char devices exist with the right major:minor" {
  run_in stat -c '%n %F %t:%T' /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty
  echo "$output"
  [ "$status" -eq 0 ]
  for want in "/dev/null 1:3" "/dev/zero 1:5" "/dev/full 1:7" "/dev/random 1:8" \
    "/dev/urandom 1:9" "/dev/tty 5:0"; do
    grep -qx "${want% *} character special file ${want#* }" <<<"$output" ||
      { echo "missing: $want"; return 1; }
  done
}

@test "/dev/ptmx, /dev/fd and the stdio links point where they should" {
  run_in sh -c 'for l in ptmx fd stdin stdout stderr; do [ -L /dev/$l ] && echo "$l $(readlink /dev/$l)"; done'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "ptmx pts/ptmx" ]
  [ "${lines[1]}" = "fd /proc/self/fd" ]
  [ "${lines[2]}" = "stdin /proc/self/fd/0" ]
  [ "${lines[3]}" = "stdout /proc/self/fd/1" ]
  [ "${lines[4]}" = "stderr /proc/self/fd/2" ]
}

@test "the standard devices are usable through the device cgroup" {
  run_in sh -c 'echo x >/dev/null && head -c 4 /dev/zero | wc -c && head -c 4 /dev/urandom | wc -c && { echo x >/dev/full || echo FULL; }'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 4 ]
  [ "${lines[1]}" = 4 ]
  [[ "${lines[2]}" == *"No space left on device"* ]]
  [ "${lines[3]}" = FULL ]
}

@test "a linux.devices entry is created with its mode, owner and numbers" {
  config '.linux.devices = [{"path": "/dev/berthnull", "type": "c", "major": 1,
    "minor": 3, "fileMode": 438, "uid": 0, "gid": 0}]'
  run_in sh -c 'stat -c "%F %t:%T %a %u:%g" /dev/berthnull && echo data >/dev/berthnull && echo OK'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "character special file 1:3 666 0:0" ]
  [ "${lines[1]}" = OK ]
}

@test "the device cgroup denies a device until a rule allows it" {
  # /dev/kmsg (1:11) is not in the default allowlist; writing needs no cap.
  config '.linux.devices = [{"path": "/dev/kmsg", "type": "c", "major": 1,
    "minor": 11, "fileMode": 384, "uid": 0, "gid": 0}]'
  run_in sh -c 'echo berth-it-devices-denied >/dev/kmsg && echo WROTE'
  echo "denied: $output"
  [[ "$output" == *"Operation not permitted"* ]]
  [[ "$output" != *WROTE* ]]

  config '.linux.resources.devices += [{"allow": true, "type": "c", "major": 1,
    "minor": 11, "access": "w"}]'
  run_in sh -c 'echo berth-it-devices-allowed >/dev/kmsg && echo WROTE'
  echo "allowed: $output"
  [ "$status" -eq 0 ]
  [ "$output" = WROTE ]
}

@test "the container's device cgroup lists only the allowlist" {
  [ -d /sys/fs/cgroup/devices ] || skip "no cgroup v1 devices controller"
  run_detached sleep 100
  pid=$(pid_of "$CID")
  cg=$(awk -F: '$2 == "devices" {print $3}' "/proc/$pid/cgroup")
  list=$(cat "/sys/fs/cgroup/devices$cg/devices.list")
  echo "cgroup $cg: $list"
  [[ "$cg" == *"$CID"* ]]
  run grep -q '^a ' <<<"$list"
  [ "$status" -ne 0 ]
  grep -qx 'c 1:3 rwm' <<<"$list"
  grep -qx 'c 1:9 rwm' <<<"$list"
  run grep -q '^c 1:11 ' <<<"$list"
  [ "$status" -ne 0 ]
}
