#!/usr/bin/env bats
# Resource limits through berthd and the berth client, each observed from
# outside the code: the container's cgroup files under /sys/fs/cgroup
# (v1 controllers, as this host has them), what the container sees
# (ulimit, df /dev/shm), and the API's JSON. Also: an OOM kill (exit 137,
# State.OOMKilled, the oom event), a fork bomb held by --pids-limit,
# update of running and stopped containers, and bad values that create
# nothing.

load daemon_helpers

setup_file() {
  [ -d /sys/fs/cgroup/memory ] || skip "needs the cgroup v1 memory controller"
  daemon_suite_setup res
}

teardown_file() {
  daemon_suite_teardown
}

setup() {
  daemon_test_setup
}

teardown() {
  daemon_test_teardown
}

id_of() { api GET "/containers/$1/json" | jq -r .Id; }
# cg CONTROLLER NAME FILE: the container's cgroup file.
cg() { cat "/sys/fs/cgroup/$1/berth/$(id_of "$2")/$3"; }
hc() { api GET "/containers/$1/json" | jq -r ".HostConfig.$2"; }

@test "memory limits: limit, reservation and memory+swap in the cgroup, and in inspect" {
  b run -d --name mem --memory 32m --memory-reservation 16m bb:1 sleep 1000 >/dev/null
  [ "$(cg memory mem memory.limit_in_bytes)" -eq $((32 << 20)) ]
  [ "$(cg memory mem memory.soft_limit_in_bytes)" -eq $((16 << 20)) ]
  if [ -f "/sys/fs/cgroup/memory/berth/$(id_of mem)/memory.memsw.limit_in_bytes" ]; then
    # docker's default MemorySwap: twice the memory.
    [ "$(cg memory mem memory.memsw.limit_in_bytes)" -eq $((64 << 20)) ]
  fi
  [ "$(hc mem Memory)" -eq $((32 << 20)) ]
  [ "$(hc mem MemorySwap)" -eq $((64 << 20)) ]
  [ "$(hc mem MemoryReservation)" -eq $((16 << 20)) ]
  b run -d --name swp --memory 32m --memory-swap 48m --oom-kill-disable bb:1 sleep 1000 >/dev/null
  [ "$(cg memory swp memory.memsw.limit_in_bytes)" -eq $((48 << 20)) ]
  cg memory swp memory.oom_control | grep -qx 'oom_kill_disable 1'
  [ "$(hc swp OomKillDisable)" = true ]
}

@test "cpu limits: --cpus as a CFS quota, shares, period and quota, cpuset" {
  b run -d --name cpus --cpus 0.5 --cpu-shares 512 --cpuset-cpus 0 --cpuset-mems 0 bb:1 sleep 1000 >/dev/null
  [ "$(cg cpu cpus cpu.cfs_period_us)" -eq 100000 ]
  [ "$(cg cpu cpus cpu.cfs_quota_us)" -eq 50000 ]
  [ "$(cg cpu cpus cpu.shares)" -eq 512 ]
  [ "$(cg cpuset cpus cpuset.cpus)" = 0 ]
  [ "$(cg cpuset cpus cpuset.mems)" = 0 ]
  # What the container sees: only CPU 0 in its affinity.
  run b exec cpus grep Cpus_allowed_list /proc/self/status
  [[ "$output" == *"	0" ]]
  [ "$(hc cpus NanoCpus)" -eq 500000000 ]
  b run -d --name cfs --cpu-period 50000 --cpu-quota 25000 bb:1 sleep 1000 >/dev/null
  [ "$(cg cpu cfs cpu.cfs_period_us)" -eq 50000 ]
  [ "$(cg cpu cfs cpu.cfs_quota_us)" -eq 25000 ]
}

@test "--pids-limit: pids.max set, a fork bomb is held, and the container still stops and goes" {
  # The bomb runs beside the container's init, which needs no fork to stay.
  b run -d --name bomb --pids-limit 20 bb:1 sh -c '(f() { f | f & }; f) & exec sleep 1000' >/dev/null
  [ "$(cg pids bomb pids.max)" -eq 20 ]
  id=$(id_of bomb)
  # The bomb fills its budget and no more.
  wait_for sh -c "[ \$(cat /sys/fs/cgroup/pids/berth/$id/pids.current) -ge 15 ]"
  [ "$(cat /sys/fs/cgroup/pids/berth/$id/pids.current)" -le 20 ]
  [ "$(cat /sys/fs/cgroup/pids/berth/$id/pids.events | awk '{print $2}')" -gt 0 ]
  [ "$(hc bomb PidsLimit)" -eq 20 ]
  run timeout 30 "$BERTH" -H "unix://$SOCK" rm -f bomb
  [ "$status" -eq 0 ]
  wait_for test ! -d "/sys/fs/cgroup/pids/berth/$id"
  [ ! -d "/sys/fs/cgroup/memory/berth/$id" ]
  [ -z "$(b ps -aq)" ]
}

@test "block I/O throttles: the device's major:minor and rate in blkio.throttle.*" {
  dev=$(awk '$2 == "/" {print $1}' /proc/mounts | head -1)
  [ -b "$dev" ] || skip "the root filesystem is not on a block device"
  majmin=$(printf '%d:%d' "0x$(stat -c %t "$dev")" "0x$(stat -c %T "$dev")")
  b run -d --name io --device-read-bps "$dev:1mb" --device-write-iops "$dev:100" bb:1 sleep 1000 >/dev/null
  [ "$(cg blkio io blkio.throttle.read_bps_device)" = "$majmin 1048576" ]
  [ "$(cg blkio io blkio.throttle.write_iops_device)" = "$majmin 100" ]
  [ "$(api GET /containers/io/json | jq -r '.HostConfig.BlkioDeviceReadBps[0].Path')" = "$dev" ]
  # A weight: applied where the kernel has weight files, discarded (as
  # docker does) where it has not; the container runs either way.
  b run -d --name wt --blkio-weight 300 bb:1 sleep 1000 >/dev/null
  d=/sys/fs/cgroup/blkio/berth/$(id_of wt)
  if [ -f "$d/blkio.weight" ]; then [ "$(cat "$d/blkio.weight")" -eq 300 ]; fi
  [ "$(api GET /containers/wt/json | jq -r .State.Status)" = running ]
}

@test "--ulimit and --shm-size: what the container sees" {
  run b run --rm --ulimit nofile=1024:2048 --ulimit nproc=50 bb:1 sh -c 'ulimit -n; ulimit -Hn; ulimit -u'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 1024 ]
  [ "${lines[1]}" = 2048 ]
  [ "${lines[2]}" = 50 ]
  run b run --rm --shm-size 1m bb:1 sh -c 'df -k /dev/shm | tail -1'
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | awk '{print $2}')" -eq 1024 ]
  run b run --rm bb:1 sh -c 'df -k /dev/shm | tail -1'
  [ "$(echo "$output" | awk '{print $2}')" -eq 65536 ]
}

@test "--ulimit nofile above the host's hard limit fails the start clearly, without hanging" {
  hard=$(ulimit -Hn)
  run timeout 30 "$BERTH" -H "unix://$SOCK" run --name big --ulimit nofile=$((hard + 1000)):$((hard + 1000)) bb:1 true
  [ "$status" -eq 125 ]
  [[ "$output" == *rlimit* || "$output" == *RLIMIT_NOFILE* ]]
  [ "$(echo "$output" | grep -c .)" -le 2 ]
  [ "$(api GET /containers/big/json | jq -r .State.Status)" != running ]
  [ ! -d "/sys/fs/cgroup/memory/berth/$(id_of big)" ]
}

@test "OOM under --memory 32m: exit 137, State.OOMKilled and an oom event" {
  since=$(date +%s)
  run timeout 60 "$BERTH" -H "unix://$SOCK" run --name oom --memory 32m --memory-swap 32m bb:1 \
    sh -c 'a=xxxxxxxxxxxxxxxx; while :; do a=$a$a; done'
  [ "$status" -eq 137 ]
  [ "$(api GET /containers/oom/json | jq -r .State.OOMKilled)" = true ]
  [ "$(api GET /containers/oom/json | jq -r .State.ExitCode)" -eq 137 ]
  run api GET "/events?since=$since&until=$(($(date +%s) + 1))&filters=%7B%22event%22%3A%5B%22oom%22%5D%7D"
  [[ "$output" == *'"oom"'* ]]
  [[ "$output" == *"$(id_of oom)"* ]]
}

@test "update of a running container changes its cgroup and its record" {
  b run -d --name up --memory 32m bb:1 sleep 1000 >/dev/null
  run b update --memory 48m --memory-swap 96m --cpus 0.25 --pids-limit 30 --cpu-shares 256 up
  [ "$status" -eq 0 ]
  [ "$output" = up ]
  [ "$(cg memory up memory.limit_in_bytes)" -eq $((48 << 20)) ]
  [ "$(cg cpu up cpu.cfs_quota_us)" -eq 25000 ]
  [ "$(cg cpu up cpu.shares)" -eq 256 ]
  [ "$(cg pids up pids.max)" -eq 30 ]
  [ "$(hc up Memory)" -eq $((48 << 20)) ]
  [ "$(hc up NanoCpus)" -eq 250000000 ]
  [ "$(hc up PidsLimit)" -eq 30 ]
  # Through the API: docker's answer.
  run api POST /containers/up/update -H 'Content-Type: application/json' -d '{"PidsLimit": 40}'
  [ "$(echo "$output" | jq -c .Warnings)" = '[]' ]
  [ "$(cg pids up pids.max)" -eq 40 ]
  # -1: unlimited again.
  b update --pids-limit -1 up >/dev/null
  [ "$(cg pids up pids.max)" = max ]
}

@test "update of a stopped container is stored and applied at its next start; several at once" {
  b create --name s1 bb:1 sleep 1000 >/dev/null
  b create --name s2 bb:1 sleep 1000 >/dev/null
  run b update --memory 64m s1 s2
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = s1 ]
  [ "${lines[1]}" = s2 ]
  [ "$(hc s2 Memory)" -eq $((64 << 20)) ]
  b start s1 >/dev/null
  [ "$(cg memory s1 memory.limit_in_bytes)" -eq $((64 << 20)) ]
}

@test "bad update values: 400, one line, nothing changed" {
  b run -d --name bu --memory 32m bb:1 sleep 1000 >/dev/null
  run b update --memory 4m bu
  [ "$status" -eq 1 ]
  [ "$output" = "Error response from daemon: Minimum memory limit allowed is 6MB" ]
  run b update --memory 128m bu
  [ "$status" -eq 1 ]
  [[ "$output" == *"Memory limit should be smaller than already set memoryswap limit"* ]]
  n=$(nproc)
  run b update --cpus $((n + 1)) bu
  [ "$status" -eq 1 ]
  [ "$output" = "Error response from daemon: Range of CPUs is from 0.01 to $n.00, as there are only $n CPUs available" ]
  [ "$(api POST /containers/bu/update -o /dev/null -w '%{http_code}' -d '{"Memory": 1}')" = 400 ]
  [ "$(cg memory bu memory.limit_in_bytes)" -eq $((32 << 20)) ]
  [ "$(hc bu Memory)" -eq $((32 << 20)) ]
  run b update --memory 64m nosuch
  [ "$status" -eq 1 ]
  [[ "$output" == *"No such container: nosuch"* ]]
}

@test "bad values at run: one line, exit 125, nothing created" {
  n=$(nproc)
  run b run --name bad1 --memory 4m bb:1 true
  [ "$status" -eq 125 ]
  [[ "${lines[0]}" == *"Minimum memory limit allowed is 6MB"* ]]
  run b run --name bad2 --cpus $((n + 1)) bb:1 true
  [ "$status" -eq 125 ]
  [[ "${lines[0]}" == *"Range of CPUs is from 0.01 to $n.00, as there are only $n CPUs available"* ]]
  run b run --name bad3 --cpuset-cpus $((n + 3)) bb:1 true
  [ "$status" -eq 125 ]
  [[ "${lines[0]}" == *"Requested CPUs are not available - requested $((n + 3))"* ]]
  run b run --name bad4 --device-read-bps /dev/nonexistent-disk:1mb bb:1 true
  [ "$status" -eq 125 ]
  [[ "${lines[0]}" == *"stat /dev/nonexistent-disk: No such file or directory"* ]]
  run b run --name bad5 --memory 32m --memory-reservation 64m bb:1 true
  [ "$status" -eq 125 ]
  [[ "${lines[0]}" == *"Minimum memory limit can not be less than memory reservation limit"* ]]
  run b run --name bad6 --ulimit foo=1 bb:1 true
  [ "$status" -eq 125 ]
  [[ "${lines[0]}" == *"invalid ulimit type: foo"* ]]
  [ -z "$(b ps -aq)" ]
  [ "$(ls "$DATA/containers" | wc -l)" -eq 0 ]
}
