#!/usr/bin/env bats
# Restart policies, health checks and stats on a real berthd: on-failure
# with a retry limit, always, unless-stopped and a manual stop kept across
# a daemon restart, always brought back when berthd starts, the backoff of
# a crash loop (few restarts, little CPU), a health check going unhealthy
# and back (with its events and ps status), a check's timeout, the image's
# HEALTHCHECK, and the stats JSON and `stats --no-stream` checked against
# the container's cgroup files. The image is a busybox rootfs.

load daemon_helpers

setup_file() {
  daemon_suite_setup life
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

# field NAME JQ: a field of the container's inspect JSON.
field() {
  api GET "/containers/$1/json" | jq -r "$2"
}

# until_field NAME JQ VALUE: polls (10 s at most) until the field is VALUE.
until_field() {
  for _ in $(seq 100); do
    [ "$(field "$1" "$2")" = "$3" ] && return 0
    sleep 0.1
  done
  echo "$1 $2: $(field "$1" "$2"), wanted $3" >&2
  return 1
}

# cpu_ticks PID: utime + stime of a process, in clock ticks.
cpu_ticks() {
  awk '{print $14 + $15}' "/proc/$1/stat"
}

@test "create refuses bad restart policies with dockerd's messages" {
  run api POST /containers/create -H 'Content-Type: application/json' \
    -d '{"Image":"bb:1","HostConfig":{"RestartPolicy":{"Name":"always","MaximumRetryCount":2}}}'
  [[ "$output" == *"maximum retry count cannot be used with restart policy 'always'"* ]]
  run api POST /containers/create -H 'Content-Type: application/json' \
    -d '{"Image":"bb:1","HostConfig":{"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":-1}}}'
  [[ "$output" == *"maximum retry count cannot be negative"* ]]
  run api POST /containers/create -H 'Content-Type: application/json' \
    -d '{"Image":"bb:1","HostConfig":{"RestartPolicy":{"Name":"sometimes"}}}'
  [[ "$output" == *"invalid restart policy 'sometimes'"* ]]
  run b run --rm --restart always bb:1 true
  [ "$status" -eq 125 ]
  [[ "$output" == *"conflicting options: cannot specify both --restart and --rm"* ]]
  run b create --restart on-failure:x bb:1 true
  [ "$status" -eq 125 ]
  [[ "$output" == *"maximum retry count must be an integer"* ]]
  run b create --health-interval 1us --health-cmd true bb:1 true
  [ "$status" -eq 125 ]
  [[ "$output" == *"Interval in Healthcheck cannot be less than 1ms"* ]]
  # Nothing was created.
  [ "$(b ps -aq | wc -l)" -eq 0 ]
}

@test "on-failure:2 restarts a failing container twice, then leaves it exited" {
  start=$(date +%s)
  b run -d --name of --restart on-failure:2 bb:1 sh -c 'exit 3' >/dev/null
  until_field of '"\(.State.Status) \(.RestartCount)"' "exited 2"
  [ "$(field of .HostConfig.RestartPolicy.Name)" = on-failure ]
  [ "$(field of .HostConfig.RestartPolicy.MaximumRetryCount)" = 2 ]
  [ "$(field of .State.ExitCode)" = 3 ]
  sleep 1
  [ "$(field of '"\(.State.Status) \(.RestartCount)"')" = "exited 2" ]
  # die, start, die, start, die: three runs in the event log.
  ev=$(api GET "/events?since=$start&until=$(date +%s)&filters=%7B%22container%22%3A%5B%22of%22%5D%7D")
  [ "$(echo "$ev" | jq -r 'select(.Action=="start") | .Action' | wc -l)" -eq 3 ]
  [ "$(echo "$ev" | jq -r 'select(.Action=="die") | .Action' | wc -l)" -eq 3 ]
  # A zero exit is not a failure.
  b run -d --name ok --restart on-failure bb:1 true >/dev/null
  until_field ok .State.Status exited
  sleep 0.5
  [ "$(field ok .RestartCount)" = 0 ]
}

@test "always restarts after exit 0; stop cancels it and a start resets the count" {
  b run -d --name al --restart always bb:1 sh -c 'sleep 0.2' >/dev/null
  for _ in $(seq 100); do
    [ "$(field al .RestartCount)" -ge 2 ] && break
    sleep 0.1
  done
  [ "$(field al .RestartCount)" -ge 2 ]
  b stop -t 1 al
  [ "$(field al .State.Status)" = exited ]
  n=$(field al .RestartCount)
  sleep 1
  [ "$(field al .State.Status)" = exited ]
  [ "$(field al .RestartCount)" = "$n" ]
  # A user's start is a new start: RestartCount back to 0.
  b start al >/dev/null
  [ "$(field al .RestartCount)" = 0 ]
  b kill al >/dev/null
  until_field al .State.Status exited
  sleep 0.5
  # A kill by the user is a manual stop too.
  [ "$(field al .State.Status)" = exited ]
}

@test "unless-stopped stays stopped across a berthd restart; always comes back" {
  b run -d --name us --restart unless-stopped bb:1 sleep 1000 >/dev/null
  b run -d --name aw --restart always bb:1 sleep 1000 >/dev/null
  b stop -t 0 us aw >/dev/null
  stop_berthd
  start_berthd
  until_field aw .State.Status running
  [ "$(field us .State.Status)" = exited ]
  pid=$(field aw .State.Pid)
  grep -q sleep "/proc/$pid/cmdline"
}

@test "a container that died while berthd was down is restarted by its policy" {
  b run -d --name dd --restart unless-stopped bb:1 sleep 1000 >/dev/null
  pid=$(field dd .State.Pid)
  kill -9 "$(cat "$T/berthd.pid")"
  wait_gone "$(cat "$T/berthd.pid")"
  rm -f "$T/berthd.pid"
  kill -9 "$pid"
  wait_gone "$pid"
  start_berthd
  until_field dd '"\(.State.Status) \(.RestartCount)"' "running 1"
  [ "$(field dd .State.Pid)" != "$pid" ]
}

@test "a crash loop under --restart always backs off and costs berthd little CPU" {
  dpid=$(cat "$T/berthd.pid")
  before=$(cpu_ticks "$dpid")
  b run -d --name loop --restart always bb:1 sh -c 'exit 1' >/dev/null
  sleep 3
  n=$(field loop .RestartCount)
  after=$(cpu_ticks "$dpid")
  # 100 + 200 + 400 + 800 + 1600 ms: about five restarts in three seconds.
  echo "restarts $n, berthd ticks $((after - before))"
  [ "$n" -ge 3 ]
  [ "$n" -le 7 ]
  [ $((after - before)) -lt 100 ]
  # While it waits it shows as restarting; stop cancels the wait.
  until_field loop .State.Restarting true
  # rm without -f is refused while it waits (a restart may come between
  # the two calls: then it is refused as running), as docker refuses it.
  run b rm loop
  [ "$status" -ne 0 ]
  [[ "$output" =~ "You cannot remove a "(restarting|running)" container" ]]
  [ "$(field loop .Name)" = /loop ]
  until_field loop .State.Restarting true
  run b ps
  [[ "$output" == *"Restarting (1)"* ]]
  b stop loop
  [ "$(field loop .State.Status)" = exited ]
  sleep 2
  [ "$(field loop .RestartCount)" = "$n" ]
  # rm of a container waiting to restart leaves nothing.
  b run -d --name loop2 --restart always bb:1 sh -c 'exit 1' >/dev/null
  until_field loop2 .State.Restarting true
  b rm -f loop2
  sleep 1
  run b inspect loop2
  [ "$status" -ne 0 ]
}

@test "a health check goes unhealthy and back, with events and ps status" {
  start=$(date +%s)
  b run -d --name hc --health-cmd 'test -f /tmp/ok && echo fine' --health-interval 200ms \
    --health-retries 2 bb:1 sh -c 'touch /tmp/ok; exec sleep 1000' >/dev/null
  [ "$(field hc .State.Health.Status)" = starting ] || [ "$(field hc .State.Health.Status)" = healthy ]
  until_field hc .State.Health.Status healthy
  [ "$(field hc '.State.Health.Log[-1].ExitCode')" = 0 ]
  [ "$(field hc '.State.Health.Log[-1].Output')" = fine ]
  [ "$(field hc .Config.Healthcheck.Interval)" = 200000000 ]
  run b ps
  [[ "$output" == *"(healthy)"* ]]
  [ "$(b ps -q --filter health=healthy)" = "$(field hc .Id | cut -c1-12)" ]
  b exec hc rm /tmp/ok
  until_field hc .State.Health.Status unhealthy
  [ "$(field hc .State.Health.FailingStreak)" -ge 2 ]
  [ "$(field hc '.State.Health.Log[-1].ExitCode')" = 1 ]
  run b ps
  [[ "$output" == *"(unhealthy)"* ]]
  [ -z "$(b ps -q --filter health=healthy)" ]
  b exec hc touch /tmp/ok
  until_field hc .State.Health.Status healthy
  [ "$(field hc .State.Health.FailingStreak)" = 0 ]
  # At most five results are kept.
  sleep 1.5
  [ "$(field hc '.State.Health.Log | length')" -le 5 ]
  ev=$(api GET "/events?since=$start&until=$(date +%s)")
  echo "$ev" | jq -r .Action | grep -qx 'health_status: healthy'
  echo "$ev" | jq -r .Action | grep -qx 'health_status: unhealthy'
  # The checks run as execs, as dockerd's.
  echo "$ev" | jq -r .Action | grep -q '^exec_start: /bin/sh -c test -f /tmp/ok'
  # They stop with the container.
  b stop -t 0 hc >/dev/null
  n=$(field hc '.State.Health.Log | length')
  last=$(field hc '.State.Health.Log[-1].End')
  sleep 0.6
  [ "$(field hc '.State.Health.Log[-1].End')" = "$last" ]
}

@test "a check that outlives its timeout is killed and counts as a failure" {
  b run -d --name slow --health-cmd 'sleep 5' --health-interval 200ms --health-timeout 300ms \
    --health-retries 1 bb:1 sleep 1000 >/dev/null
  until_field slow .State.Health.Status unhealthy
  [ "$(field slow '.State.Health.Log[0].ExitCode')" = -1 ]
  [ "$(field slow '.State.Health.Log[0].Output')" = "Health check exceeded timeout (300ms)" ]
  [ "$(field slow .State.Health.FailingStreak)" -ge 1 ]
}

@test "the image's HEALTHCHECK is used, and --no-healthcheck turns it off" {
  b import -c 'CMD ["sleep", "1000"]' -c 'HEALTHCHECK --interval=200ms CMD ["true"]' \
    "$T/rootfs.tar" bbh:1 >/dev/null
  b run -d --name img bbh:1 >/dev/null
  until_field img .State.Health.Status healthy
  [ "$(field img '.Config.Healthcheck.Test | join(" ")')" = "CMD true" ]
  b run -d --name none --no-healthcheck bbh:1 >/dev/null
  sleep 0.6
  [ "$(field none .State.Health)" = null ]
  run b ps
  [[ "$output" == *"(healthy)"* ]]
}

@test "stats: the JSON matches the cgroup files" {
  b run -d --name st bb:1 sh -c 'sleep 1000 & while :; do :; done' >/dev/null
  id=$(field st .Id)
  one=$(api GET "/containers/st/stats?stream=false&one-shot=true")
  [ "$(echo "$one" | jq -r .id)" = "$id" ]
  [ "$(echo "$one" | jq -r .name)" = /st ]
  [ "$(echo "$one" | jq .memory_stats.usage)" -gt 0 ]
  [ "$(echo "$one" | jq .memory_stats.limit)" -gt 0 ]
  # pids: what the pids controller counts, and the processes inside (sh, sleep).
  [ "$(echo "$one" | jq .pids_stats.current)" -eq "$(cat /sys/fs/cgroup/pids/berth/$id/pids.current)" ]
  [ "$(echo "$one" | jq .pids_stats.current)" -eq 2 ]
  # cpu: the busy loop's usage grows, and stays at most the cgroup's counter.
  sleep 0.5
  two=$(api GET "/containers/st/stats?stream=false&one-shot=true")
  acct=$(cat /sys/fs/cgroup/cpuacct/berth/$id/cpuacct.usage)
  u1=$(echo "$one" | jq .cpu_stats.cpu_usage.total_usage)
  u2=$(echo "$two" | jq .cpu_stats.cpu_usage.total_usage)
  [ "$u2" -gt $((u1 + 50000000)) ]
  [ "$u2" -le "$acct" ]
  [ "$(echo "$two" | jq .cpu_stats.system_cpu_usage)" -gt "$(echo "$one" | jq .cpu_stats.system_cpu_usage)" ]
  [ "$(echo "$two" | jq .cpu_stats.online_cpus)" -eq "$(getconf _NPROCESSORS_ONLN)" ]
  for k in read preread pids_stats blkio_stats num_procs storage_stats cpu_stats precpu_stats memory_stats; do
    echo "$two" | jq -e "has(\"$k\")" >/dev/null
  done
  # stream=false without one-shot pairs two samples: precpu is filled in.
  paired=$(api GET "/containers/st/stats?stream=false")
  [ "$(echo "$paired" | jq .precpu_stats.cpu_usage.total_usage)" -gt 0 ]
  # A stream sends one object a second.
  n=$(timeout 2.5 curl -sN --unix-socket "$SOCK" http://x/containers/st/stats | wc -l)
  [ "$n" -ge 2 ]
  [ "$n" -le 3 ]
  # A stopped container: zeros.
  b kill st >/dev/null
  until_field st .State.Status exited
  z=$(api GET "/containers/st/stats?stream=false")
  [ "$(echo "$z" | jq -r .read)" = 0001-01-01T00:00:00Z ]
  [ "$(echo "$z" | jq .cpu_stats.cpu_usage.total_usage)" -eq 0 ]
  run api GET "/containers/nosuch/stats?stream=false"
  [[ "$output" == *"No such container: nosuch"* ]]
}

@test "stats --no-stream prints docker's columns" {
  b run -d --name busy bb:1 sh -c 'while :; do :; done' >/dev/null
  b run -d --name idle bb:1 sleep 1000 >/dev/null
  run b stats --no-stream
  [ "$status" -eq 0 ]
  echo "$output"
  header=$(echo "$output" | head -1 | tr -s ' ')
  [ "$header" = "CONTAINER ID NAME CPU % MEM USAGE / LIMIT MEM % NET I/O BLOCK I/O PIDS" ]
  [ "$(echo "$output" | wc -l)" -eq 3 ]
  line=$(echo "$output" | grep ' busy ')
  cpu=$(echo "$line" | awk '{print $3}' | tr -d '%')
  # The busy loop takes a good share of a CPU.
  awk -v c="$cpu" 'BEGIN { exit !(c > 10) }'
  [ "$(echo "$line" | awk '{print $NF}')" = 1 ]
  [[ "$line" == *"iB / "* ]]
  run b stats --no-stream --format '{{.Name}}:{{.PIDs}}' idle
  [ "$output" = "idle:1" ]
  run b stats --no-stream nosuch
  [ "$status" -eq 1 ]
  [[ "$output" == *"No such container: nosuch"* ]]
  # top still works.
  run b top idle
  [[ "$output" == *"sleep 1000"* ]]
}

@test "streamed stats without names follow containers started and stopped meanwhile" {
  b run -d --name first bb:1 sleep 1000 >/dev/null
  # The client itself in the background (not through b, whose subshell
  # would be what kill stops).
  "$BERTH" -H "unix://$SOCK" stats --format '{{.Name}}' >>"$T/stats.out" 2>&1 &
  spid=$!
  wait_for grep -qx first "$T/stats.out"
  b run -d --name second bb:1 sleep 1000 >/dev/null
  wait_for grep -qx second "$T/stats.out"
  b stop -t 0 first >/dev/null
  # A redraw after the stop lists second alone.
  : >"$T/stats.out"
  for _ in $(seq 50); do
    sleep 0.2
    out=$(tail -n 4 "$T/stats.out")
    [[ "$out" == *second* && "$out" != *first* ]] && break
  done
  [[ "$out" == *second* ]]
  [[ "$out" != *first* ]]
  # A stream with no daemon left ends with an error.
  stop_berthd_and_containers
  wait_for sh -c "! kill -0 $spid 2>/dev/null"
  rc=0
  wait "$spid" || rc=$?
  [ "$rc" -eq 1 ]
}
