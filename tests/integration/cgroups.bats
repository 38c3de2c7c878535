#!/usr/bin/env bats
# cgroupsPath placement on this hybrid host and on a pure cgroup v2 host
# (a cgroup2 hierarchy mounted in a private mount namespace), the pids limit,
# the v1 device allowlist, and removal on delete.

load helpers

setup() { setup_bundle; }
teardown() { teardown_bundle; }

@test "hybrid: the init is in the container's cgroup in every hierarchy" {
  config ".linux.cgroupsPath = \"/berth-it/$CID\" | .process.args = [\"sleep\", \"100\"]"
  rt create --bundle "$BUNDLE" "$CID"
  pid=$(rt state "$CID" | jq .pid)
  for ctrl in memory pids devices freezer cpu; do
    grep -qx "$pid" "/sys/fs/cgroup/$ctrl/berth-it/$CID/cgroup.procs" || {
      echo "pid $pid not in $ctrl"; false; }
  done
  grep -qx "$pid" "/sys/fs/cgroup/unified/berth-it/$CID/cgroup.procs"
  # The container sees its own cgroup as the root of its cgroup namespace.
  rt delete --force "$CID"
  [ ! -d "/sys/fs/cgroup/memory/berth-it/$CID" ]
  [ ! -d "/sys/fs/cgroup/unified/berth-it/$CID" ]
  rmdir /sys/fs/cgroup/*/berth-it 2>/dev/null || true
}

@test "pids.limit is applied and enforced" {
  config '.linux.resources.pids = {"limit": 5} | .process.args = ["sh", "-c", "cat /sys/fs/cgroup/pids/pids.max; for i in 1 2 3 4 5 6 7 8; do sleep 5 & done; wait"]'
  config '.linux.namespaces += [{"type": "cgroup"}]'
  run_in_config() { run rt run --bundle "$BUNDLE" "$CID"; }
  run_in_config
  echo "$output"
  [[ "$output" == 5* ]]
  [[ "$output" == *"fork"* || "$output" == *"Resource temporarily unavailable"* ]]
}

@test "a resource this host has no controller for is refused, not ignored" {
  # This host mounts no net_cls hierarchy.
  [ ! -d /sys/fs/cgroup/net_cls ] || skip "this host has net_cls"
  config '.linux.resources.network = {"classID": 1048577}'
  run rt create --bundle "$BUNDLE" "$CID"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"linux.resources.network.classID"* ]]
  assert_no_leftovers "$CID"
}

@test "--systemd-cgroup fails clearly on a host without systemd" {
  run rt --systemd-cgroup create --bundle "$BUNDLE" "$CID"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *systemd* ]]
  assert_no_leftovers "$CID"
}

@test "pure cgroup v2: placement in a cgroup2 hierarchy (private mount namespace)" {
  config '.process.args = ["sleep", "100"]'
  cat >"$BUNDLE/v2.sh" <<SH
set -e
mount --make-rprivate /
umount -l /sys/fs/cgroup
mount -t cgroup2 none /sys/fs/cgroup
$RUNTIME --root $ROOT create --bundle $BUNDLE $CID
pid=\$($RUNTIME --root $ROOT state $CID | jq .pid)
grep -qx "\$pid" /sys/fs/cgroup/$CID/cgroup.procs && echo placed-v2
$RUNTIME --root $ROOT delete --force $CID
[ ! -d /sys/fs/cgroup/$CID ] && echo removed-v2
SH
  run unshare -m sh "$BUNDLE/v2.sh"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *placed-v2* ]]
  [[ "$output" == *removed-v2* ]]
  # The host's own layout is untouched.
  mountpoint -q /sys/fs/cgroup/unified
}

# The same device rules on v1 (devices.allow/deny) and on pure v2 (an eBPF
# program): /dev/null allowed by the defaults, fuse (10:229) allowed for read
# only, mem (1:1) created from linux.devices but allowed by no rule. Opening
# is what the controller decides, so opening is what the container tries.
device_rules_config() {
  config '.linux.devices = [{"path": "/dev/berthfuse", "type": "c", "major": 10, "minor": 229, "fileMode": 384},
                            {"path": "/dev/berthmem", "type": "c", "major": 1, "minor": 1, "fileMode": 384}]
          | .linux.resources.devices += [{"allow": true, "type": "c", "major": 10, "minor": 229, "access": "r"}]
          | .process.args = ["sh", "-c", "echo x > /dev/null && echo null-ok; (: < /dev/berthfuse) && echo fuse-read-ok; (: > /dev/berthfuse) 2>&1; head -c1 /dev/berthmem 2>&1; echo done"]'
}

assert_device_rules_output() {
  [[ "$output" == *null-ok* ]]
  [[ "$output" == *fuse-read-ok* ]]
  [[ "$output" == *"/dev/berthfuse: Operation not permitted"* ]]
  [[ "$output" == *"/dev/berthmem: Operation not permitted"* ]]
}

@test "hybrid (v1 devices controller): read-only and unlisted devices are denied" {
  device_rules_config
  run rt run --bundle "$BUNDLE" "$CID"
  echo "$output"
  assert_device_rules_output
}

@test "pure cgroup v2: device rules become an eBPF program that decides each access" {
  device_rules_config
  cat >"$BUNDLE/v2.sh" <<SH
mount --make-rprivate /
umount -l /sys/fs/cgroup
mount -t cgroup2 none /sys/fs/cgroup
$RUNTIME --root $ROOT run --bundle $BUNDLE $CID
SH
  run unshare -m sh "$BUNDLE/v2.sh"
  echo "$output"
  [ "$status" -eq 0 ]
  assert_device_rules_output
  assert_no_leftovers "$CID"
}

@test "pure cgroup v2: a bad device rule is refused clearly" {
  config '.linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 11, "access": "rx"}]'
  cat >"$BUNDLE/v2.sh" <<SH
mount --make-rprivate /
umount -l /sys/fs/cgroup
mount -t cgroup2 none /sys/fs/cgroup
$RUNTIME --root $ROOT create --bundle $BUNDLE $CID
SH
  run unshare -m sh "$BUNDLE/v2.sh"
  echo "$output"
  [ "$status" -eq 1 ]
  assert_one_line "$output"
  [[ "$output" == *'linux.resources.devices[1].access: '*rx*'is not a combination of r, w and m'* ]]
  assert_no_leftovers "$CID"
}

@test "each container gets a session keyring of its own" {
  config '.process.args = ["sleep", "100"]'
  rt run --detach --bundle "$BUNDLE" "$CID"
  # The keyring is named after the container; the host's /proc/keys lists it
  # while the container holds it (inside, the default config masks /proc/keys).
  grep -q "keyring *$CID: " /proc/keys
  rt delete --force "$CID"
  run rt --root "$ROOT" state "$CID"
  [ "$status" -ne 0 ]
}

@test "--no-new-keyring keeps the caller's session keyring" {
  config '.process.args = ["sleep", "100"]'
  rt run --detach --no-new-keyring --bundle "$BUNDLE" "$CID"
  run grep -q "keyring *$CID: " /proc/keys
  [ "$status" -ne 0 ]
}
