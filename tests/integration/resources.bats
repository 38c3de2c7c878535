#!/usr/bin/env bats
# linux.resources, observed in the kernel's cgroup files of the container's
# cgroup and in the container's behaviour (OOM kill, fork limit, cpuset).

load helpers
bats_require_minimum_version 1.5.0

setup_file() { make_template; }
setup() { setup_bundle_from_template; }
teardown() { teardown_bundle; }

# cg_dir CONTROLLER: the container's v1 directory for CONTROLLER.
cg_dir() {
  local pid rel
  pid=$(pid_of "$CID")
  rel=$(awk -F: -v c="$1" '{n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3}' "/proc/$pid/cgroup")
  echo "/sys/fs/cgroup/$1$rel"
}

need_v1() {
  [ -d "/sys/fs/cgroup/$1" ] || skip "no v1 $1 hierarchy here"
}

@test "memory limit, reservation, swap and swappiness reach the memory cgroup" {
  need_v1 memory
  config '.linux.resources.memory = {"limit": 67108864, "reservation": 33554432,
    "swap": 134217728, "swappiness": 17}'
  run_detached sleep 100
  d=$(cg_dir memory)
  [[ "$d" == *"$CID" ]]
  [ "$(cat "$d/memory.limit_in_bytes")" = 67108864 ]
  [ "$(cat "$d/memory.soft_limit_in_bytes")" = 33554432 ]
  [ "$(cat "$d/memory.swappiness")" = 17 ]
  if [ -e "$d/memory.memsw.limit_in_bytes" ]; then
    [ "$(cat "$d/memory.memsw.limit_in_bytes")" = 134217728 ]
  fi
}

@test "a process that outgrows a 32M limit is OOM-killed" {
  need_v1 memory
  config '.linux.resources.memory = {"limit": 33554432}'
  # Grows a shell variable to ~64M of anonymous memory.
  run_detached sh -c 'x=a; while :; do x="$x$x"; done'
  d=$(cg_dir memory)
  wait_status "$CID" stopped
  # The kernel signals the victim before it counts the kill, so a loaded
  # machine can show the container stopped a moment before the count.
  for _ in $(seq 100); do
    grep -q '^oom_kill [1-9]' "$d/memory.oom_control" && break
    sleep 0.1
  done
  grep -q '^oom_kill [1-9]' "$d/memory.oom_control"
}

@test "run returns 137 for an OOM-killed process" {
  need_v1 memory
  config '.linux.resources.memory = {"limit": 33554432}'
  run_in sh -c 'x=a; while :; do x="$x$x"; done'
  echo "status=$status"
  [ "$status" -eq 137 ]
}

@test "disableOOMKiller sets memory.oom_control" {
  need_v1 memory
  config '.linux.resources.memory = {"limit": 67108864, "disableOOMKiller": true}'
  run_detached sleep 100
  grep -qx 'oom_kill_disable 1' "$(cg_dir memory)/memory.oom_control"
}

@test "a fork bomb stops at pids.max" {
  need_v1 pids
  config '.linux.resources.pids = {"limit": 20}'
  # The bomb runs in a child shell (ash gives up at the first failed fork);
  # the init itself execs and needs no fork.
  run_detached sh -c '(for i in $(seq 60); do sleep 100 & done) 2>/dev/null & exec sleep 100'
  d=$(cg_dir pids)
  [ "$(cat "$d/pids.max")" = 20 ]
  for i in $(seq 50); do grep -q '^max [1-9]' "$d/pids.events" && break; sleep 0.1; done
  cat "$d/pids.events" "$d/pids.current"
  # The kernel refused forks past the limit and the count sits at it.
  grep -q '^max [1-9]' "$d/pids.events"
  [ "$(cat "$d/pids.current")" -le 20 ]
  [ "$(cat "$d/pids.current")" -ge 15 ]
}

@test "cpu shares, quota, period and cpuset reach the kernel" {
  need_v1 cpu
  config '.linux.resources.cpu = {"shares": 512, "quota": 25000, "period": 50000, "cpus": "0", "mems": "0"}'
  run_detached sleep 100
  d=$(cg_dir cpu)
  [ "$(cat "$d/cpu.shares")" = 512 ]
  [ "$(cat "$d/cpu.cfs_quota_us")" = 25000 ]
  [ "$(cat "$d/cpu.cfs_period_us")" = 50000 ]
  [ "$(cat "$(cg_dir cpuset)/cpuset.cpus")" = 0 ]
  pid=$(pid_of "$CID")
  grep -qx 'Cpus_allowed_list:	0' "/proc/$pid/status"
}

@test "a quota actually throttles a busy loop" {
  need_v1 cpu
  config '.linux.resources.cpu = {"quota": 10000, "period": 100000}'
  run_detached sh -c 'while :; do :; done'
  sleep 1
  d=$(cg_dir cpu)
  grep -q '^nr_throttled [1-9]' "$d/cpu.stat"
}

@test "blkio throttles are written per device" {
  need_v1 blkio
  dev=$(ls /sys/dev/block | head -1)
  maj=${dev%:*}
  min=${dev#*:}
  config ".linux.resources.blockIO = {\"throttleReadBpsDevice\": [{\"major\": $maj, \"minor\": $min, \"rate\": 1048576}],
    \"throttleWriteIOPSDevice\": [{\"major\": $maj, \"minor\": $min, \"rate\": 300}]}"
  run_detached sleep 100
  d=$(cg_dir blkio)
  grep -qx "$dev 1048576" "$d/blkio.throttle.read_bps_device"
  grep -qx "$dev 300" "$d/blkio.throttle.write_iops_device"
}

@test "docker's zero values mean unset and are accepted" {
  config '.linux.resources += {"memory": {"disableOOMKiller": false}, "cpu": {"shares": 0}, "blockIO": {"weight": 0}, "pids": {"limit": 0}}'
  run_in true
  echo "$output"
  [ "$status" -eq 0 ]
}

@test "bad resources are refused with one line, leaving nothing" {
  dev=$(ls /sys/dev/block | head -1)
  set_args true
  for r in '{"memory": {"limit": -5}}' \
           '{"memory": {"limit": 100000000, "swap": 50000000}}' \
           '{"cpu": {"cpus": "1000-1003"}}' \
           '{"cpu": {"shares": "many"}}' \
           '{"memory": {"swappiness": 101}}' \
           '{"blockIO": {"throttleReadBpsDevice": [{"major": 250, "minor": 99, "rate": 1}]}}' \
           '{"bogus": {}}'; do
    config ".linux.resources = (.linux.resources | {devices}) + $r"
    run --separate-stderr rt create --bundle "$BUNDLE" "$CID"
    echo "$r: status=$status stderr=$stderr"
    [ "$status" -eq 1 ]
    assert_one_line "$stderr"
    [[ "$stderr" == *linux.resources* ]]
    assert_no_leftovers "$CID"
  done
}

@test "a memory limit too low to start the init is reported as such" {
  need_v1 memory
  config '.linux.resources.memory = {"limit": 4096}'
  set_args true
  run --separate-stderr rt create --bundle "$BUNDLE" "$CID"
  echo "status=$status stderr=$stderr"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"OOM killer"* ]]
  assert_no_leftovers "$CID"
}

@test "intermediate cgroup levels made for a cgroupsPath are removed with the container" {
  config ".linux.cgroupsPath = \"berth-it-parent-$CID/leaf\""
  run_detached sleep 100
  ls -d /sys/fs/cgroup/*/berth-it-parent-"$CID"/leaf >/dev/null
  rt delete --force "$CID"
  run sh -c "ls -d /sys/fs/cgroup/*/berth-it-parent-$CID 2>/dev/null"
  [ -z "$output" ]
}
