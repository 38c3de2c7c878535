#!/usr/bin/env bats
# events: --stats prints one runc "stats" event whose numbers are the
# kernel's (pids, memory growth, cpu); the stream prints stats every
# interval and an "oom" event when the OOM killer acts, and ends when the
# container stops. Field names are runc's (compared with runc itself).

load helpers
bats_require_minimum_version 1.5.0

setup_file() { make_template; }
setup() {
  setup_bundle_from_template
  config ".root.readonly = false"
}
teardown() {
  [ -n "${EVENTS_PID:-}" ] && kill "$EVENTS_PID" 2>/dev/null
  teardown_bundle
}

# ctrl_dir PID CONTROLLER: the container's v1 cgroup dir of CONTROLLER.
ctrl_dir() {
  echo "/sys/fs/cgroup/$2$(grep ":$2:" "/proc/$1/cgroup" | cut -d: -f3)"
}

wait_file() {
  local i
  for i in $(seq 100); do
    [ -e "$1" ] && return 0
    sleep 0.1
  done
  echo "$1 never appeared"; return 1
}

@test "events --stats: one stats event whose pids and memory are the kernel's" {
  run_detached sh -c 'sleep 100 & sleep 100 & while [ ! -e /tmp/go ]; do usleep 20000; done; dd if=/dev/zero of=/dev/shm/blob bs=1M count=24 2>/dev/null; touch /tmp/done; wait'
  pid=$(pid_of "$CID")
  for i in $(seq 50); do
    [ "$(wc -l <"$(ctrl_dir "$pid" pids)/cgroup.procs")" -ge 3 ] && break
    sleep 0.1
  done
  run rt events --stats "$CID"
  echo "$output"
  [ "$status" -eq 0 ]
  assert_one_line "$output"
  [ "$(jq -r .type <<<"$output")" = stats ]
  [ "$(jq -r .id <<<"$output")" = "$CID" ]
  # pids.current: the number of processes (sh, two sleeps, usleep at times).
  procs=$(cat "$(ctrl_dir "$pid" pids)/pids.current")
  current=$(jq .data.pids.current <<<"$output")
  [ "$current" -ge 3 ]
  [ "$current" -le "$((procs + 1))" ]
  [ "$current" -ge "$((procs - 1))" ]
  [ "$(jq .data.cpu.usage.total <<<"$output")" -gt 0 ]
  [ "$(jq '.data.cpu.usage.percpu | length' <<<"$output")" -eq "$(nproc)" ]
  limit=$(cat "$(ctrl_dir "$pid" memory)/memory.limit_in_bytes")
  # (jq would round a 64-bit limit: match the raw text)
  [[ "$output" == *"\"memory\":{\"usage\":{\"limit\":$limit,"* ]]
  before=$(jq .data.memory.usage.usage <<<"$output")
  shmem_before=$(jq .data.memory.raw.shmem <<<"$output")

  # 24 MiB into the container's /dev/shm (tmpfs pages are charged to it).
  touch "$BUNDLE/rootfs/tmp/go"
  wait_file "$BUNDLE/rootfs/tmp/done"
  run rt events --stats "$CID"
  after=$(jq .data.memory.usage.usage <<<"$output")
  shmem_after=$(jq .data.memory.raw.shmem <<<"$output")
  echo "usage $before -> $after, shmem $shmem_before -> $shmem_after"
  # usage: the 24 MiB, less what other pages the container gave back
  [ "$after" -ge "$((before + 20 * 1024 * 1024))" ]
  [ "$shmem_after" -ge "$((shmem_before + 24 * 1024 * 1024))" ]
  [ "$(jq .data.memory.usage.max <<<"$output")" -ge "$after" ]
}

@test "events --stats has runc's fields (compared with runc events --stats)" {
  command -v runc >/dev/null || skip "runc is not installed"
  config '.process.args = ["sleep", "100"]'
  rt run --detach --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1
  runc --root "$ROOT.runc" run --detach --bundle "$BUNDLE" "$CID-runc" </dev/null >/dev/null 2>&1
  ours=$(rt events --stats "$CID")
  theirs=$(runc --root "$ROOT.runc" events --stats "$CID-runc")
  runc --root "$ROOT.runc" delete --force "$CID-runc"
  rm -rf "$ROOT.runc"
  echo "ours:   $ours"
  echo "theirs: $theirs"
  keys() { jq -c "[$1 | keys_unsorted[]]"; }
  for path in . .data .data.cpu .data.cpu.usage .data.cpuset .data.memory.usage .data.memory.swap \
    .data.memory.kernel .data.memory.raw .data.pids .data.blkio .data.hugetlb .data.intel_rdt; do
    [ "$(keys "$path" <<<"$ours")" = "$(keys "$path" <<<"$theirs")" ] ||
      { echo "keys of $path differ"; false; }
  done
  for path in .data.memory.usage.limit .data.cpuset.cpus .data.cpuset.mems .data.pids \
    .data.network_interfaces; do
    [ "$(jq -c "$path" <<<"$ours")" = "$(jq -c "$path" <<<"$theirs")" ] ||
      { echo "$path differs"; false; }
  done
}

@test "events streams stats every interval and ends when the container stops" {
  run_detached sh -c 'while [ ! -e /tmp/stop ]; do usleep 20000; done'
  rt events --interval 200ms "$CID" >"$BUNDLE/events.out" 2>"$BUNDLE/events.err" &
  EVENTS_PID=$!
  sleep 1.5
  kill -0 "$EVENTS_PID"
  touch "$BUNDLE/rootfs/tmp/stop"
  # The stream ends by itself once the container has stopped.
  for i in $(seq 50); do
    kill -0 "$EVENTS_PID" 2>/dev/null || break
    sleep 0.1
  done
  run kill -0 "$EVENTS_PID"
  [ "$status" -ne 0 ]
  wait "$EVENTS_PID"
  EVENTS_PID=
  cat "$BUNDLE/events.out" | cut -c1-120
  n=$(wc -l <"$BUNDLE/events.out")
  [ "$n" -ge 4 ]
  [ "$n" -le 12 ]
  [ "$(jq -r .type "$BUNDLE/events.out" | sort -u)" = stats ]
  [ "$(jq -r .id "$BUNDLE/events.out" | sort -u)" = "$CID" ]
  [ "$(jq '.data.pids.current' "$BUNDLE/events.out" | head -1)" -ge 1 ]
  [ ! -s "$BUNDLE/events.err" ]
}

@test "an oom event when the container exceeds a small memory limit" {
  # 32 MiB, set on the container's v1 memory cgroup directly; the process
  # then builds a 100 MB string.
  create_ctr sh -c 'while [ ! -e /tmp/go ]; do usleep 20000; done; x=$(head -c 100000000 /dev/zero | tr "\0" a); echo survived'
  pid=$(pid_of "$CID")
  mem=$(ctrl_dir "$pid" memory)
  echo 33554432 >"$mem/memory.limit_in_bytes"
  rt start "$CID"
  rt events --interval 10s "$CID" >"$BUNDLE/events.out" 2>"$BUNDLE/events.err" &
  EVENTS_PID=$!
  sleep 0.5
  touch "$BUNDLE/rootfs/tmp/go"
  for i in $(seq 100); do
    kill -0 "$EVENTS_PID" 2>/dev/null || break
    sleep 0.1
  done
  cat "$BUNDLE/events.out" "$BUNDLE/events.err"
  run kill -0 "$EVENTS_PID"
  [ "$status" -ne 0 ]
  wait "$EVENTS_PID"
  EVENTS_PID=
  grep -qx "{\"type\":\"oom\",\"id\":\"$CID\"}" "$BUNDLE/events.out"
  [ "$(awk '/^oom_kill / {print $2}' "$mem/memory.oom_control")" -ge 1 ]
  wait_status "$CID" stopped
}

@test "events errors: stopped or unknown container, bad interval: one line, exit 1" {
  run rt events --stats "nosuch-$CID"
  [ "$status" -eq 1 ]
  assert_one_line "$output"
  [[ "$output" == *"does not exist"* ]]
  run_detached sh -c 'exit 0'
  wait_status "$CID" stopped
  for args in "--stats" ""; do
    run rt events $args "$CID"
    echo "$output"
    [ "$status" -eq 1 ]
    assert_one_line "$output"
    [[ "$output" == *"not running"* ]]
  done
  for bad in 0 -1s 5 5x; do
    run rt events --interval "$bad" "$CID"
    echo "$output"
    [ "$status" -eq 1 ]
    assert_one_line "$output"
    [[ "$output" == *interval* ]]
  done
}

@test "pure cgroup v2: events --stats reads the unified cgroup" {
  config 'del(.linux.resources) | .process.args = ["sh", "-c", "sleep 100 & sleep 100"]'
  cat >"$BUNDLE/v2.sh" <<SH
set -e
mount --make-rprivate /
umount -l /sys/fs/cgroup
mount -t cgroup2 none /sys/fs/cgroup
R="$RUNTIME --root $ROOT"
# The cgroup lives in this namespace's view: delete here even on failure.
trap '\$R delete --force $CID >/dev/null 2>&1' EXIT
\$R run -d --bundle $BUNDLE $CID </dev/null >/dev/null 2>&1
for i in \$(seq 50); do [ \$(wc -l < /sys/fs/cgroup/$CID/cgroup.procs) -ge 2 ] && break; sleep 0.1; done
echo "procs=\$(wc -l < /sys/fs/cgroup/$CID/cgroup.procs)"
echo "usec=\$(awk '/^usage_usec/ {print \$2}' /sys/fs/cgroup/$CID/cpu.stat)"
\$R events --stats $CID
\$R delete --force $CID
SH
  run unshare -m sh "$BUNDLE/v2.sh"
  echo "$output"
  [ "$status" -eq 0 ]
  procs=${lines[0]#procs=}
  usec=${lines[1]#usec=}
  [ "$(jq .data.pids.current <<<"${lines[2]}")" -eq "$procs" ]
  total=$(jq .data.cpu.usage.total <<<"${lines[2]}")
  [ "$total" -ge "$((usec * 1000))" ]
  [ "$(jq -r .type <<<"${lines[2]}")" = stats ]
  mountpoint -q /sys/fs/cgroup/unified
}
