#!/usr/bin/env bats
# Mount types and attributes beyond the defaults: overlay, cgroup (v1 and
# cgroup2), bind propagation, recursive nosuid/nodev/noexec, and --no-pivot.

load helpers
bats_require_minimum_version 1.5.0

setup_file() { make_template; }
setup() { setup_bundle_from_template; }
teardown() { teardown_bundle; }

# mount_line MOUNTPOINT: the container's mountinfo line for MOUNTPOINT, from
# $output.
mount_line() {
  awk -v m="$1" '$5 == m' <<<"$output" | tail -1
}

@test "an overlay mount combines lower and upper dirs" {
  mkdir -p "$BUNDLE"/{lower,upper,work}
  echo from-lower >"$BUNDLE/lower/a"
  echo lower-b >"$BUNDLE/lower/b"
  add_mount "{\"destination\": \"/ov\", \"type\": \"overlay\", \"source\": \"overlay\",
    \"options\": [\"lowerdir=$BUNDLE/lower\", \"upperdir=$BUNDLE/upper\", \"workdir=$BUNDLE/work\"]}"
  run_in sh -c 'cat /ov/a; echo new >/ov/c; rm /ov/b; ls /ov | xargs; grep " /ov " /proc/self/mountinfo'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = from-lower ]
  [ "${lines[1]}" = "a c" ]
  [[ "${lines[2]}" == *" - overlay "* ]]
  # Writes went to the upper dir; the lower dir is untouched.
  [ "$(cat "$BUNDLE/upper/c")" = new ]
  [ -e "$BUNDLE/lower/b" ]
  [ "$(stat -c %t:%T "$BUNDLE/upper/b")" = 0:0 ]  # the whiteout
}

@test "a cgroup mount shows the container's own cgroups" {
  config '.linux.namespaces += [{"type": "cgroup"}] | .linux.resources.pids = {"limit": 77}'
  run_in sh -c 'cat /proc/self/cgroup; ls /sys/fs/cgroup | xargs; cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max; grep " /sys/fs/cgroup" /proc/self/mountinfo'
  echo "$output"
  [ "$status" -eq 0 ]
  # In its own cgroup namespace the container is at the root of each tree.
  grep -q '^[0-9]*:pids:/$' <<<"$output" || grep -q '^0::/$' <<<"$output"
  grep -qx 77 <<<"$output"
  # Read-only, as the default spec asks.
  grep ' /sys/fs/cgroup' <<<"$output" | grep -q ' ro[, ]'
}

@test "a cgroup2 mount in a container with a cgroup namespace is the unified tree" {
  [ -d /sys/fs/cgroup/unified ] || grep -q cgroup2 /proc/self/mounts || skip "no cgroup2 here"
  config '.linux.namespaces += [{"type": "cgroup"}] | .mounts |= map(select(.destination != "/sys/fs/cgroup"))'
  add_mount '{"destination": "/sys/fs/cgroup", "type": "cgroup2", "source": "cgroup2", "options": ["nosuid", "noexec", "nodev"]}'
  run_in sh -c 'grep " /sys/fs/cgroup " /proc/self/mountinfo; ls /sys/fs/cgroup/cgroup.procs'
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == *" - cgroup2 "* ]]
}

@test "a bind mount with rshared propagation is shared" {
  mkdir -p "$BUNDLE/src"
  add_mount "{\"destination\": \"/shared\", \"type\": \"bind\", \"source\": \"$BUNDLE/src\",
    \"options\": [\"rbind\", \"rshared\"]}"
  config '.linux.rootfsPropagation = "shared"'
  run_in grep " /shared " /proc/self/mountinfo
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *shared:* ]]
}

@test "nosuid, nodev and noexec apply to a bind mount and, recursively, to its submounts" {
  mkdir -p "$BUNDLE/src/sub"
  cp "$BUNDLE/rootfs/bin/busybox" "$BUNDLE/src/bb"
  mount -t tmpfs berth-sub "$BUNDLE/src/sub"
  cp "$BUNDLE/rootfs/bin/busybox" "$BUNDLE/src/sub/bb"
  add_mount "{\"destination\": \"/m\", \"type\": \"bind\", \"source\": \"$BUNDLE/src\",
    \"options\": [\"rbind\", \"rnosuid\", \"rnodev\", \"rnoexec\"]}"
  run_in sh -c '/m/bb true 2>&1; echo rc=$?; /m/sub/bb true 2>&1; echo rc=$?; grep -E " /m(/sub)? " /proc/self/mountinfo'
  umount "$BUNDLE/src/sub"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "${lines[1]}" == rc=126 ]]
  [[ "${lines[3]}" == rc=126 ]]
  for l in "${lines[@]:4}"; do
    opts=$(awk '{print $6}' <<<"$l")
    [[ ",$opts," == *,nosuid,* ]]
    [[ ",$opts," == *,nodev,* ]]
    [[ ",$opts," == *,noexec,* ]]
  done
}

@test "--no-pivot chroots into the rootfs and still isolates the mounts" {
  set_args sh -c 'ls / | xargs; grep -c . /proc/self/mountinfo; cat /proc/1/cmdline | tr "\0" " "'
  run rt run --no-pivot --bundle "$BUNDLE" "$CID"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == *"bin"*"dev"*"proc"* ]]
  # The host's / is not reachable: there is no /work or /home from the host.
  [[ "${lines[0]}" != *"work"* ]]
  [[ "${lines[2]}" == "sh -c"* ]]
  assert_no_leftovers "$CID"
}

@test "an idmap mount option is refused clearly (part 2 of the runtime)" {
  add_mount "{\"destination\": \"/m\", \"type\": \"bind\", \"source\": \"$BUNDLE\",
    \"options\": [\"rbind\", \"idmap\"]}"
  set_args true
  run --separate-stderr rt create --bundle "$BUNDLE" "$CID"
  echo "status=$status stderr=$stderr"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *idmap* ]]
  assert_no_leftovers "$CID"
}
