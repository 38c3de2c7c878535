#!/usr/bin/env bats
# The real docker CLI against berthd, lifecycle: docker run --restart
# (on-failure with a limit, a stop that holds), health checks read with
# docker inspect --format and docker ps, and docker stats --no-stream. The
# image is a busybox rootfs imported with `docker import`.

load ../integration/daemon_helpers

setup_file() {
  daemon_suite_setup dkl docker
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

# until_format NAME TEMPLATE VALUE: polls docker inspect (10 s at most).
until_format() {
  for _ in $(seq 100); do
    [ "$(docker inspect --format "$2" "$1")" = "$3" ] && return 0
    sleep 0.1
  done
  echo "$1 $2: $(docker inspect --format "$2" "$1"), wanted $3" >&2
  return 1
}

@test "docker run --restart: on-failure:2, always, and the refusals" {
  docker run -d --name of --restart on-failure:2 bb:1 sh -c 'exit 4' >/dev/null
  until_format of '{{.State.Status}} {{.RestartCount}}' "exited 2"
  [ "$(docker inspect --format '{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}' of)" = on-failure:2 ]
  docker run -d --name al --restart always bb:1 sh -c 'sleep 0.2' >/dev/null
  for _ in $(seq 100); do
    [ "$(docker inspect --format '{{.RestartCount}}' al)" -ge 1 ] && break
    sleep 0.1
  done
  [ "$(docker inspect --format '{{.RestartCount}}' al)" -ge 1 ]
  docker stop -t 1 al >/dev/null
  [ "$(docker inspect --format '{{.State.Status}}' al)" = exited ]
  run docker run --rm --restart always bb:1 true
  [ "$status" -eq 125 ]
  [[ "$output" == *"conflicting options: cannot specify both --restart and --rm"* ]]
  run docker create --restart always:3 bb:1 true
  [ "$status" -ne 0 ]
  [[ "$output" == *"maximum retry count cannot be used with restart policy 'always'"* ]]
}

@test "docker inspect and ps show the health check's state" {
  docker run -d --name hc --health-cmd 'test -f /tmp/ok' --health-interval 200ms \
    --health-retries 1 bb:1 sh -c 'touch /tmp/ok; exec sleep 1000' >/dev/null
  until_format hc '{{.State.Health.Status}}' healthy
  [[ "$(docker ps --format '{{.Status}}' --filter name=hc)" == *"(healthy)" ]]
  docker exec hc rm /tmp/ok
  until_format hc '{{.State.Health.Status}}' unhealthy
  [[ "$(docker ps --format '{{.Status}}' --filter name=hc)" == *"(unhealthy)" ]]
  [ "$(docker ps -q --filter health=unhealthy | wc -l)" -eq 1 ]
}

@test "docker stats --no-stream" {
  docker run -d --name st bb:1 sh -c 'sleep 1000 & while :; do :; done' >/dev/null
  run docker stats --no-stream
  [ "$status" -eq 0 ]
  echo "$output"
  [[ "$(echo "$output" | head -1)" == "CONTAINER ID"*"NAME"*"CPU %"*"MEM USAGE / LIMIT"*"PIDS" ]]
  line=$(echo "$output" | grep ' st ')
  [ "$(echo "$line" | awk '{print $NF}')" = 2 ]
  cpu=$(echo "$line" | awk '{print $3}' | tr -d '%')
  awk -v c="$cpu" 'BEGIN { exit !(c > 10) }'
  run docker stats --no-stream --format '{{.Name}} {{.PIDs}}' st
  [ "$output" = "st 2" ]
}
