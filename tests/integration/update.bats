#!/usr/bin/env bats
# update: new resource values reach the running container's cgroup files;
# bad values are refused with one line and the container keeps what it had.

load helpers
bats_require_minimum_version 1.5.0

setup_file() { make_template; }
setup() {
  setup_bundle_from_template
  [ -d /sys/fs/cgroup/memory ] && [ -d /sys/fs/cgroup/cpu ] || skip "needs v1 memory and cpu"
  config '.linux.resources += {"memory": {"limit": 67108864, "reservation": 1048576}, "pids": {"limit": 100}}'
  run_detached sleep 100
}
teardown() { teardown_bundle; }

cg() {
  local pid rel
  pid=$(pid_of "$CID")
  rel=$(awk -F: -v c="$1" '{n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3}' "/proc/$pid/cgroup")
  cat "/sys/fs/cgroup/$1$rel/$2"
}

@test "runc's flags change the cgroup files of a running container" {
  rt update "$CID" --memory 128m --memory-reservation 2m --cpu-share 300 --cpu-period 50000 \
    --cpu-quota 20000 --cpuset-cpus 0 --pids-limit 33
  [ "$(cg memory memory.limit_in_bytes)" = 134217728 ]
  [ "$(cg memory memory.soft_limit_in_bytes)" = 2097152 ]
  [ "$(cg cpu cpu.shares)" = 300 ]
  [ "$(cg cpu cpu.cfs_period_us)" = 50000 ]
  [ "$(cg cpu cpu.cfs_quota_us)" = 20000 ]
  [ "$(cg cpuset cpuset.cpus)" = 0 ]
  [ "$(cg pids pids.max)" = 33 ]
  [ "$(status_of "$CID")" = running ]
}

@test "--resources takes a file and stdin, and the record keeps the values" {
  echo '{"memory": {"limit": 100000000}}' >"$BUNDLE/r.json"
  rt update --resources "$BUNDLE/r.json" "$CID"
  [ "$(cg memory memory.limit_in_bytes)" = 99999744 ]  # the kernel rounds to pages
  echo '{"pids": {"limit": 44}}' | rt update -r - "$CID"
  [ "$(cg pids pids.max)" = 44 ]
  # A later update overlays: the reservation from create is still known.
  rt update "$CID" --memory 64m
  [ "$(cg memory memory.soft_limit_in_bytes)" = 1048576 ]
}

@test "a value the kernel refuses fails with one line and changes nothing" {
  before=$(cg memory memory.limit_in_bytes)
  run --separate-stderr rt update "$CID" --memory 128m --cpuset-cpus 1000-1003
  echo "status=$status stderr=$stderr"
  [ "$status" -eq 1 ]
  assert_one_line "$stderr"
  [[ "$stderr" == *cpu.cpus* ]]
  [ "$(cg memory memory.limit_in_bytes)" = "$before" ]
  [ "$(status_of "$CID")" = running ]
}

@test "bad flag values are refused before anything is written" {
  before=$(cg pids pids.max)
  for args in "--memory lots" "--pids-limit x" "--memory-swap 1m" "--kernel-memory 1m" "--blkio-weight 5"; do
    run --separate-stderr rt update "$CID" $args
    echo "$args: status=$status stderr=$stderr"
    [ "$status" -eq 1 ]
    assert_one_line "$stderr"
  done
  run --separate-stderr rt update "$CID"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"nothing to change"* ]]
  [ "$(cg pids pids.max)" = "$before" ]
}

@test "update of a stopped or unknown container is refused" {
  rt kill "$CID" KILL
  wait_status "$CID" stopped
  run --separate-stderr rt update "$CID" --pids-limit 5
  [ "$status" -eq 1 ]
  [[ "$stderr" == *stopped* ]]
  run --separate-stderr rt update no-such-ctr --pids-limit 5
  [ "$status" -eq 1 ]
  [[ "$stderr" == *no-such-ctr* ]]
}
