#!/usr/bin/env bats
# pause and resume: the container's processes really stop (a counter they
# advance stands still, the kernel's freezer says frozen) and go on again;
# state says paused; wrong states fail with one line; kill and
# delete --force still work on a paused container. Also on pure cgroup v2.

load helpers
bats_require_minimum_version 1.5.0

setup_file() { make_template; }
setup() {
  setup_bundle_from_template
  config ".root.readonly = false"
}
teardown() { teardown_bundle; }

# A process tree that advances /tmp/n (in the rootfs) every 20 ms: the
# init and a background child both count. Each value is renamed into
# place, so a reader (or a freeze) never meets a half-written file.
COUNTER='i=0; (j=0; while :; do j=$((j+1)); echo $j > /tmp/m.t; mv /tmp/m.t /tmp/m; usleep 20000; done) & while :; do i=$((i+1)); echo $i > /tmp/n.t; mv /tmp/n.t /tmp/n; usleep 20000; done'

counter() { cat "$BUNDLE/rootfs/tmp/$1" 2>/dev/null || echo 0; }

# The container's v1 freezer cgroup dir, from its init's /proc/PID/cgroup.
freezer_dir() {
  echo "/sys/fs/cgroup/freezer$(grep ':freezer:' "/proc/$1/cgroup" | cut -d: -f3)"
}

wait_counting() {
  local i
  for i in $(seq 50); do
    [ "$(counter n)" -gt 2 ] && [ "$(counter m)" -gt 2 ] && return 0
    sleep 0.1
  done
  echo "the counters never started"; return 1
}

@test "pause stops every process, state says paused; resume lets them go on" {
  run_detached sh -c "$COUNTER"
  wait_counting
  pid=$(pid_of "$CID")
  dir=$(freezer_dir "$pid")
  rt pause "$CID"
  [ "$(status_of "$CID")" = paused ]
  [ "$(cat "$dir/freezer.state")" = FROZEN ]
  # Every process of the cgroup is frozen: state D (the freezer's sleep).
  for p in $(cat "$dir/cgroup.procs"); do
    state=$(sed 's/.*) //' "/proc/$p/stat" | cut -d' ' -f1)
    [ "$state" = D ] || { echo "pid $p is in state $state"; false; }
  done
  n1=$(counter n) m1=$(counter m)
  sleep 0.5
  [ "$(counter n)" = "$n1" ]
  [ "$(counter m)" = "$m1" ]
  rt list | grep -q "$CID .*paused"

  rt resume "$CID"
  [ "$(status_of "$CID")" = running ]
  [ "$(cat "$dir/freezer.state")" = THAWED ]
  sleep 0.5
  [ "$(counter n)" -gt "$n1" ]
  [ "$(counter m)" -gt "$m1" ]
}

@test "a created container can be paused (as runc); resumed it is created again" {
  create_ctr sleep 100
  rt pause "$CID"
  [ "$(status_of "$CID")" = paused ]
  rt resume "$CID"
  [ "$(status_of "$CID")" = created ]
  rt start "$CID"
  [ "$(status_of "$CID")" = running ]
}

@test "pause and resume in the wrong state fail with one line, exit 1, nothing changed" {
  run_detached sh -c "$COUNTER"
  wait_counting
  run rt resume "$CID"
  echo "$output"
  [ "$status" -eq 1 ]
  assert_one_line "$output"
  [[ "$output" == *"not paused"* ]]
  [ "$(status_of "$CID")" = running ]

  rt pause "$CID"
  run rt pause "$CID"
  echo "$output"
  [ "$status" -eq 1 ]
  assert_one_line "$output"
  [[ "$output" == *"not running"* ]]
  [ "$(status_of "$CID")" = paused ]

  run rt pause nosuch-$CID
  [ "$status" -eq 1 ]
  assert_one_line "$output"
  [[ "$output" == *"does not exist"* ]]

  rt resume "$CID"
  rt kill "$CID" KILL
  wait_status "$CID" stopped
  run rt pause "$CID"
  echo "$output"
  [ "$status" -eq 1 ]
  assert_one_line "$output"
  [[ "$output" == *"not running"* ]]
  run rt resume "$CID"
  [ "$status" -eq 1 ]
  [[ "$output" == *"not paused"* ]]
}

@test "kill KILL of a paused container stops it (the cgroup is thawed)" {
  run_detached sh -c "$COUNTER"
  wait_counting
  pid=$(pid_of "$CID")
  dir=$(freezer_dir "$pid")
  rt pause "$CID"
  rt kill "$CID" KILL
  wait_status "$CID" stopped
  [ "$(cat "$dir/freezer.state")" = THAWED ]
  rt delete "$CID"
  assert_no_leftovers "$CID"
}

@test "kill TERM of a paused container takes effect on resume" {
  run_detached sh -c 'trap "exit 3" TERM; while :; do usleep 20000; done'
  rt pause "$CID"
  rt kill "$CID" TERM
  sleep 0.5
  # Frozen: the signal is pending, the process has not run its trap.
  [ "$(status_of "$CID")" = paused ]
  rt resume "$CID"
  wait_status "$CID" stopped
}

@test "delete --force of a paused container kills every process and removes it" {
  run_detached sh -c "$COUNTER"
  wait_counting
  pid=$(pid_of "$CID")
  dir=$(freezer_dir "$pid")
  procs=$(cat "$dir/cgroup.procs")
  [ "$(echo "$procs" | wc -l)" -ge 2 ]
  rt pause "$CID"
  rt delete --force "$CID"
  for p in $procs; do pid_gone "$p"; done
  assert_no_leftovers "$CID"
}

@test "pure cgroup v2: cgroup.freeze pauses (cgroup.events frozen 1) and resumes" {
  config 'del(.linux.resources)'
  set_args sh -c "$COUNTER"
  cat >"$BUNDLE/v2.sh" <<SH
set -e
mount --make-rprivate /
umount -l /sys/fs/cgroup
mount -t cgroup2 none /sys/fs/cgroup
R="$RUNTIME --root $ROOT"
# The cgroup lives in this namespace's view: delete here even on failure.
trap '\$R delete --force $CID >/dev/null 2>&1' EXIT
\$R run -d --bundle $BUNDLE $CID </dev/null >/dev/null 2>&1
for i in \$(seq 50); do [ -s $BUNDLE/rootfs/tmp/m ] && break; sleep 0.1; done
\$R pause $CID
echo "freeze=\$(cat /sys/fs/cgroup/$CID/cgroup.freeze)"
grep frozen /sys/fs/cgroup/$CID/cgroup.events
echo "state=\$(\$R state $CID | jq -r .status)"
n1=\$(cat $BUNDLE/rootfs/tmp/n); m1=\$(cat $BUNDLE/rootfs/tmp/m)
sleep 0.5
[ "\$(cat $BUNDLE/rootfs/tmp/n)" = "\$n1" ] && [ "\$(cat $BUNDLE/rootfs/tmp/m)" = "\$m1" ] && echo stood-still
\$R resume $CID
grep frozen /sys/fs/cgroup/$CID/cgroup.events
echo "state=\$(\$R state $CID | jq -r .status)"
sleep 0.5
[ "\$(cat $BUNDLE/rootfs/tmp/n)" -gt "\$n1" ] && [ "\$(cat $BUNDLE/rootfs/tmp/m)" -gt "\$m1" ] && echo went-on
\$R pause $CID
\$R delete --force $CID
[ ! -d /sys/fs/cgroup/$CID ] && echo removed
SH
  run unshare -m sh "$BUNDLE/v2.sh"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "freeze=1" ]
  [ "${lines[1]}" = "frozen 1" ]
  [ "${lines[2]}" = "state=paused" ]
  [ "${lines[3]}" = stood-still ]
  [ "${lines[4]}" = "frozen 0" ]
  [ "${lines[5]}" = "state=running" ]
  [ "${lines[6]}" = went-on ]
  [ "${lines[7]}" = removed ]
  mountpoint -q /sys/fs/cgroup/unified
}
