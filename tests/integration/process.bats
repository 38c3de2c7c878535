#!/usr/bin/env bats
# process.*: args, env, cwd, user, umask, rlimits, oomScoreAdj,
# noNewPrivileges, capabilities, exec errors, inherited fds.
# (run_in takes one argument per line: keep sh -c scripts on one line.)

load helpers
bats_require_minimum_version 1.5.0

setup_file() { make_template; }
setup() { setup_bundle_from_template; }
teardown() { teardown_bundle; }

@test "args, env and cwd reach the process; a missing cwd is created" {
  config '.process.env += ["BERTH_A=one two", "BERTH_B="] | .process.cwd = "/work/sub"'
  run_in sh -c 'echo "[$BERTH_A] [${BERTH_B-unset}] [$0] [$1]"; pwd' arg0 "arg 1"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "[one two] [] [arg0] [arg 1]" ]
  [ "${lines[1]}" = /work/sub ]
  [ -d "$BUNDLE/rootfs/work/sub" ]
}

@test "the environment is exactly process.env" {
  config '.process.env = ["PATH=/bin", "ONLY=1"]'
  run_in env
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(sort <<<"$output" | tr '\n' ' ')" = "ONLY=1 PATH=/bin " ]
}

@test "user uid, gid and additionalGids apply" {
  config '.process.user = {"uid": 1000, "gid": 1001, "additionalGids": [10, 20]}'
  run_in sh -c 'id -u; id -g; grep -E "^(Uid|Gid|Groups):" /proc/self/status'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 1000 ]
  [ "${lines[1]}" = 1001 ]
  grep -Eq '^Uid:\s+1000\s+1000\s+1000\s+1000$' <<<"$output"
  grep -Eq '^Gid:\s+1001\s+1001\s+1001\s+1001$' <<<"$output"
  [ "$(awk '$1 == "Groups:" {$1 = ""; print}' <<<"$output" | xargs)" = "10 20" ]
}

@test "user.umask applies" {
  config '.process.user.umask = 23'  # 027
  run_in sh -c 'umask; touch /dev/shm/f; stat -c %a /dev/shm/f'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 0027 ]
  [ "${lines[1]}" = 640 ]
}

@test "rlimits set the soft and hard limits" {
  config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 500, "hard": 1000},
    {"type": "RLIMIT_NPROC", "soft": 300, "hard": 400}]'
  run_in sh -c 'ulimit -n; ulimit -Hn; grep "Max processes" /proc/self/limits'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 500 ]
  [ "${lines[1]}" = 1000 ]
  grep -Eq 'Max processes +300 +400 ' <<<"$output"
}

@test "an rlimit above what the runtime may raise fails create" {
  hard=$(ulimit -Hn)
  [ "$hard" != unlimited ] || skip "host RLIMIT_NOFILE is unlimited"
  over=$((hard + 1000))
  if (ulimit -Hn "$over") 2>/dev/null; then skip "host may raise RLIMIT_NOFILE"; fi
  config ".process.rlimits = [{\"type\": \"RLIMIT_NOFILE\", \"soft\": $over, \"hard\": $over}]"
  set_args true
  run --separate-stderr rt create --bundle "$BUNDLE" "$CID"
  echo "status=$status stderr=$stderr"
  [ "$status" -eq 1 ]
  assert_one_line "$stderr"
  [[ "$stderr" == *RLIMIT_NOFILE* ]] || [[ "$stderr" == *rlimit* ]]
  assert_no_leftovers "$CID"
}

@test "oomScoreAdj applies" {
  config '.process.oomScoreAdj = 567'
  run_in cat /proc/self/oom_score_adj
  echo "$output"
  [ "$output" = 567 ]
}

@test "noNewPrivileges sets NoNewPrivs; false leaves it clear" {
  config '.process.noNewPrivileges = true'
  run_in grep NoNewPrivs /proc/self/status
  echo "$output"
  [[ "$output" =~ NoNewPrivs:[[:space:]]+1$ ]]
  config '.process.noNewPrivileges = false'
  run_in grep NoNewPrivs /proc/self/status
  echo "$output"
  [[ "$output" =~ NoNewPrivs:[[:space:]]+0$ ]]
}

@test "default capabilities: inheritable empty, bounding/effective as configured" {
  bnd=$(cap_mask $(jq -r '.process.capabilities.bounding[]' "$BUNDLE/config.json"))
  eff=$(cap_mask $(jq -r '.process.capabilities.effective[]' "$BUNDLE/config.json"))
  prm=$(cap_mask $(jq -r '.process.capabilities.permitted[]' "$BUNDLE/config.json"))
  run_in grep ^Cap /proc/self/status
  echo "$output (want bnd=$bnd eff=$eff prm=$prm)"
  [ "$status" -eq 0 ]
  [ "$(cap_field CapInh)" = 0000000000000000 ]
  [ "$(cap_field CapBnd)" = "$bnd" ]
  [ "$(cap_field CapEff)" = "$eff" ]
  [ "$(cap_field CapPrm)" = "$prm" ]
}

@test "inheritable and ambient capabilities appear when asked for" {
  config '.process.capabilities.inheritable = ["CAP_KILL", "CAP_NET_BIND_SERVICE"]
    | .process.capabilities.ambient = ["CAP_KILL", "CAP_NET_BIND_SERVICE"]
    | .process.user.uid = 1000'
  want=$(cap_mask CAP_KILL CAP_NET_BIND_SERVICE)
  run_in grep ^Cap /proc/self/status
  echo "$output (want $want)"
  [ "$status" -eq 0 ]
  [ "$(cap_field CapInh)" = "$want" ]
  [ "$(cap_field CapAmb)" = "$want" ]
  # A non-root process keeps its ambient caps in its effective set.
  [ "$(cap_field CapEff)" = "$want" ]
}

@test "an unknown capability fails create naming it" {
  config '.process.capabilities.bounding += ["CAP_BERTH_BOGUS"]'
  set_args true
  run --separate-stderr rt create --bundle "$BUNDLE" "$CID"
  echo "status=$status stderr=$stderr"
  [ "$status" -eq 1 ]
  assert_one_line "$stderr"
  [[ "$stderr" == *CAP_BERTH_BOGUS* ]]
  assert_no_leftovers "$CID"
}

@test "an executable that is not found fails create, leaving nothing" {
  for exe in /bin/berth-no-such nosuchcmd; do
    set_args "$exe"
    run --separate-stderr rt create --bundle "$BUNDLE" "$CID"
    echo "$exe: status=$status stderr=$stderr"
    [ "$status" -eq 1 ]
    assert_one_line "$stderr"
    [[ "$stderr" == *"not found"* ]]
    [[ "$stderr" == *"$exe"* ]]
    assert_no_leftovers "$CID"
  done
}

# The fd tables are read from the host (/proc/PID/fd of the container's
# process), so no shell or pipe inside the container adds fds of its own.
@test "--preserve-fds 1 passes fd 3" {
  set_args sh -c 'echo via-fd3 >&3; exec sleep 100'
  rt run --detach --preserve-fds 1 --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1 3>"$BUNDLE/fd3"
  pid=$(pid_of "$CID")
  for i in $(seq 50); do [ -s "$BUNDLE/fd3" ] && break; sleep 0.1; done
  fds=$(ls "/proc/$pid/fd" | sort -n | xargs)
  echo "fds: $fds"
  [ "$fds" = "0 1 2 3" ]
  [ "$(cat "$BUNDLE/fd3")" = via-fd3 ]
}

@test "without --preserve-fds the process has only fds 0, 1 and 2" {
  exec 7>"$BUNDLE/leak"  # an fd without close-on-exec the runtime inherits
  run_detached sleep 100
  exec 7>&-
  pid=$(pid_of "$CID")
  fds=$(ls "/proc/$pid/fd" | sort -n | xargs)
  echo "fds: $fds"
  [ "$fds" = "0 1 2" ]
}

@test "personality LINUX32 makes uname report i686" {
  config '.process.args = ["uname", "-m"] | .linux.personality = {"domain": "LINUX32"}'
  run rt run --bundle "$BUNDLE" "$CID"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = i686 ]
}

@test "ioPriority sets the I/O class and level" {
  config '.process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 6}'
  run_detached sleep 100
  pid=$(pid_of "$CID")
  run python3 -c "import ctypes,sys; r=ctypes.CDLL(None).syscall(252, 1, $pid); print(r >> 13, r & 0x1fff)"
  echo "$output"
  [ "$output" = "2 6" ]  # IOPRIO_CLASS_BE = 2
}

# SCHED_BATCH, not a real-time policy: a new v1 cpu cgroup has no real-time
# budget (cpu.rt_runtime_us 0), so SCHED_FIFO there needs linux.resources.cpu.
@test "scheduler sets the policy and nice value" {
  config '.process.scheduler = {"policy": "SCHED_BATCH", "nice": 5}'
  run_detached sleep 100
  pid=$(pid_of "$CID")
  run python3 -c "import os; print(os.sched_getscheduler($pid), os.getpriority(os.PRIO_PROCESS, $pid))"
  echo "$output"
  [ "$output" = "3 5" ]  # SCHED_BATCH = 3
}

@test "an unknown scheduler policy fails create naming it" {
  config '.process.scheduler = {"policy": "SCHED_BOGUS"}'
  set_args true
  run --separate-stderr rt create --bundle "$BUNDLE" "$CID"
  echo "status=$status stderr=$stderr"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *SCHED_BOGUS* ]]
  assert_no_leftovers "$CID"
}

@test "a capability outside the host's bounding set is refused at create, named" {
  missing=""
  for c in CAP_SYS_RESOURCE CAP_MAC_OVERRIDE CAP_SYS_MODULE CAP_BPF; do
    bit=$(cap_mask "$c")
    [ $((0x$(awk '$1 == "CapBnd:" {print $2}' /proc/self/status) & 0x$bit)) -eq 0 ] && { missing=$c; break; }
  done
  [ -n "$missing" ] || skip "this host's bounding set has every capability tried"
  config ".process.capabilities.permitted += [\"$missing\"] | .process.capabilities.effective += [\"$missing\"]"
  set_args true
  run --separate-stderr rt create --bundle "$BUNDLE" "$CID"
  echo "status=$status stderr=$stderr"
  [ "$status" -eq 1 ]
  assert_one_line "$stderr"
  [[ "$stderr" == *"$missing"*"bounding set"* ]]
  assert_no_leftovers "$CID"
}

@test "an effective capability that is not permitted is refused at create" {
  config '.process.capabilities.effective += ["CAP_SYS_ADMIN"] | .process.capabilities.permitted -= ["CAP_SYS_ADMIN"]'
  set_args true
  run --separate-stderr rt create --bundle "$BUNDLE" "$CID"
  echo "status=$status stderr=$stderr"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"CAP_SYS_ADMIN must also be in permitted"* ]]
  assert_no_leftovers "$CID"
}
