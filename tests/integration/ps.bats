#!/usr/bin/env bats
# ps: json is the pids of the container's cgroup; table is the host's ps
# output cut to its header and the container's processes; arguments after
# the id go to ps.

load helpers
bats_require_minimum_version 1.5.0

setup_file() { make_template; }
setup() { setup_bundle_from_template; }
teardown() { teardown_bundle; }

# The container's cgroup members, sorted, from the pids hierarchy.
cgroup_procs() {
  sort -n "/sys/fs/cgroup/pids$(grep ':pids:' "/proc/$1/cgroup" | cut -d: -f3)/cgroup.procs"
}

start_tree() {
  run_detached sh -c 'sleep 100 & sleep 101 & wait'
  local pid i
  pid=$(pid_of "$CID")
  for i in $(seq 50); do
    [ "$(cgroup_procs "$pid" | wc -l)" -eq 3 ] && return 0
    sleep 0.1
  done
  echo "expected 3 processes"; return 1
}

@test "ps --format json prints the pids of the container's cgroup" {
  start_tree
  pid=$(pid_of "$CID")
  run rt ps --format json "$CID"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(jq -r '.[]' <<<"$output" | sort -n)" = "$(cgroup_procs "$pid")" ]
  [ "$(jq length <<<"$output")" -eq 3 ]
  run rt ps -f json "$CID"
  [ "$(jq length <<<"$output")" -eq 3 ]
}

@test "ps (table) keeps ps -ef's header and only the container's processes" {
  start_tree
  pid=$(pid_of "$CID")
  run rt ps "$CID"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(awk '{print $2}' <<<"${lines[0]}")" = PID ]
  [ "${#lines[@]}" -eq 4 ]
  [ "$(tail -n +2 <<<"$output" | awk '{print $2}' | sort -n)" = "$(cgroup_procs "$pid")" ]
  [[ "$output" == *"sleep 100"* ]]
  [[ "$output" == *"sleep 101"* ]]
  # The host's ps saw far more processes than these.
  [ "$(ps -ef | wc -l)" -gt 4 ]
}

@test "arguments after the id go to ps, with or without --" {
  start_tree
  run rt ps "$CID" -o pid,comm
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(echo ${lines[0]})" = "PID COMMAND" ]
  [ "${#lines[@]}" -eq 4 ]
  [ "$(tail -n +2 <<<"$output" | awk '{print $2}' | sort | uniq -c | awk '{print $1 $2}' | tr '\n' ' ')" = "1sh 2sleep " ]
  run rt ps "$CID" -- -o comm,pid
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(echo ${lines[0]})" = "COMMAND PID" ]
  [ "${#lines[@]}" -eq 4 ]
  # runc's -f after the id is ps's -f (full format), not --format.
  run rt ps "$CID" -f
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == UID* ]]
}

@test "ps errors: unknown container, bad ps option, output without PID: one line, exit 1" {
  run rt ps "nosuch-$CID"
  [ "$status" -eq 1 ]
  assert_one_line "$output"
  [[ "$output" == *"does not exist"* ]]
  start_tree
  run rt ps "$CID" --no-such-option
  echo "$output"
  [ "$status" -eq 1 ]
  assert_one_line "$output"
  [[ "$output" == *ps* ]]
  run rt ps "$CID" -o comm
  echo "$output"
  [ "$status" -eq 1 ]
  assert_one_line "$output"
  [[ "$output" == *PID* ]]
  run rt ps --format yaml "$CID"
  [ "$status" -eq 1 ]
}

@test "ps of a paused container still lists its processes; of a stopped one, none" {
  start_tree
  rt pause "$CID"
  run rt ps -f json "$CID"
  [ "$(jq length <<<"$output")" -eq 3 ]
  rt resume "$CID"
  rt kill --all "$CID" KILL
  wait_status "$CID" stopped
  # The init's children die with it; they leave the cgroup moments later.
  for i in $(seq 30); do
    [ "$(rt ps -f json "$CID")" = "[]" ] && break
    sleep 0.1
  done
  run rt ps -f json "$CID"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "[]" ]
}
