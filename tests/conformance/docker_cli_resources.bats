#!/usr/bin/env bats
# The real docker CLI against berthd, resource limits: docker run with
# --memory, --cpus, --pids-limit, --ulimit and --shm-size (seen in the
# container's cgroup files and from inside it), docker inspect's
# HostConfig, docker update of a running container, an OOM kill, and the
# bad values docker's daemon refuses. The image is a busybox rootfs
# imported with `docker import`.

load ../integration/daemon_helpers

setup_file() {
  [ -d /sys/fs/cgroup/memory ] || skip "needs the cgroup v1 memory controller"
  daemon_suite_setup dkr docker
}

teardown_file() {
  daemon_suite_teardown
}

setup() {
  docker_test_setup
}

teardown() {
  daemon_test_teardown
}

# cg CONTROLLER NAME FILE: the container's cgroup file.
cg() { cat "/sys/fs/cgroup/$1/berth/$(docker inspect -f '{{.Id}}' "$2")/$3"; }

@test "docker run --memory --cpus --pids-limit: the cgroup files and docker inspect" {
  docker run -d --name lim --memory 32m --cpus 0.5 --pids-limit 20 --cpu-shares 512 bb:1 sleep 1000 >/dev/null
  [ "$(cg memory lim memory.limit_in_bytes)" -eq $((32 << 20)) ]
  [ "$(cg cpu lim cpu.cfs_quota_us)" -eq 50000 ]
  [ "$(cg cpu lim cpu.cfs_period_us)" -eq 100000 ]
  [ "$(cg cpu lim cpu.shares)" -eq 512 ]
  [ "$(cg pids lim pids.max)" -eq 20 ]
  [ "$(docker inspect -f '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}} {{.HostConfig.CpuShares}}' lim)" = \
    "33554432 67108864 500000000 20 512" ]
}

@test "docker run --ulimit and --shm-size: what the container sees" {
  run docker run --rm --ulimit nofile=1024:2048 --shm-size 2m bb:1 sh -c 'ulimit -n; ulimit -Hn; df -k /dev/shm | tail -1'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 1024 ]
  [ "${lines[1]}" = 2048 ]
  [ "$(echo "${lines[2]}" | awk '{print $2}')" -eq 2048 ]
}

@test "docker update of a running container" {
  docker run -d --name up --memory 32m bb:1 sleep 1000 >/dev/null
  run docker update --memory 64m --memory-swap 128m --cpus 0.25 --pids-limit 50 up
  [ "$status" -eq 0 ]
  [ "$output" = up ]
  [ "$(cg memory up memory.limit_in_bytes)" -eq $((64 << 20)) ]
  [ "$(cg cpu up cpu.cfs_quota_us)" -eq 25000 ]
  [ "$(cg pids up pids.max)" -eq 50 ]
  [ "$(docker inspect -f '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}}' up)" = \
    "67108864 250000000 50" ]
  run docker update --memory 4m up
  [ "$status" -ne 0 ]
  [[ "$output" == *"Minimum memory limit allowed is 6MB"* ]]
  [ "$(cg memory up memory.limit_in_bytes)" -eq $((64 << 20)) ]
}

@test "docker run: an OOM kill is exit 137 and State.OOMKilled" {
  run timeout 60 docker run --name oom --memory 32m --memory-swap 32m bb:1 \
    sh -c 'a=xxxxxxxxxxxxxxxx; while :; do a=$a$a; done'
  [ "$status" -eq 137 ]
  [ "$(docker inspect -f '{{.State.OOMKilled}} {{.State.ExitCode}}' oom)" = "true 137" ]
}

@test "docker run: bad limits are refused with docker's messages and create nothing" {
  n=$(nproc)
  run docker run --memory 4m bb:1 true
  [ "$status" -eq 125 ]
  [[ "$output" == *"Error response from daemon: Minimum memory limit allowed is 6MB"* ]]
  run docker run --cpus $((n + 1)) bb:1 true
  [ "$status" -eq 125 ]
  [[ "$output" == *"Range of CPUs is from 0.01 to $n.00, as there are only $n CPUs available"* ]]
  run docker run --memory 32m --memory-swap 16m bb:1 true
  [ "$status" -eq 125 ]
  [[ "$output" == *"Minimum memoryswap limit should be larger than memory limit"* ]]
  [ -z "$(docker ps -aq)" ]
}
