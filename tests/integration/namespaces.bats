#!/usr/bin/env bats
# Namespaces: new ones are really new, joined ones are really joined.

load helpers
bats_require_minimum_version 1.5.0

setup_file() { make_template; }
setup() { setup_bundle_from_template; NETNS=; }
teardown() {
  teardown_bundle
  [ -z "$NETNS" ] || ip netns delete "$NETNS" 2>/dev/null || true
}

@test "pid, net, ipc, uts, mnt and cgroup namespaces differ from the host's" {
  config '.linux.namespaces += [{"type": "cgroup"}]'
  types="pid net ipc uts mnt cgroup"
  run_in sh -c "for t in $types; do echo \$t \$(readlink /proc/self/ns/\$t); done"
  echo "$output"
  [ "$status" -eq 0 ]
  for t in $types; do
    inside=$(awk -v t="$t" '$1 == t {print $2}' <<<"$output")
    host=$(readlink "/proc/self/ns/$t")
    echo "$t: inside=$inside host=$host"
    [[ "$inside" == "$t:["*"]" ]]
    [ "$inside" != "$host" ]
  done
}

@test "namespaces not asked for are shared with the host" {
  run_in sh -c 'readlink /proc/self/ns/user; readlink /proc/self/ns/cgroup'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "$(readlink /proc/self/ns/user)" ]
  [ "${lines[1]}" = "$(readlink /proc/self/ns/cgroup)" ]
}

@test "the process is pid 1 of its pid namespace" {
  run_in sh -c 'echo $$; cat /proc/1/comm; true'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 1 ]
  [ "${lines[1]}" = sh ]
}

@test "hostname and domainname come from the config" {
  host_before=$(hostname)
  config '.hostname = "berth-box" | .domainname = "berth.example"'
  run_in sh -c 'hostname; cat /proc/sys/kernel/domainname'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = berth-box ]
  [ "${lines[1]}" = berth.example ]
  [ "$(hostname)" = "$host_before" ]
}

@test "a network namespace given by path is joined" {
  NETNS=berth-it-$$-$RANDOM
  ip netns add "$NETNS"
  want="net:[$(stat -L -c %i "/run/netns/$NETNS")]"
  config "(.linux.namespaces[] | select(.type == \"network\")) .path = \"/run/netns/$NETNS\""
  run_in readlink /proc/self/ns/net
  echo "want=$want got=$output"
  [ "$status" -eq 0 ]
  [ "$output" = "$want" ]
  [ "$output" != "$(readlink /proc/self/ns/net)" ]
}

# The mapped root must be able to reach the bundle (mktemp -d makes it 0700),
# as with runc.
userns_config() {
  chmod 755 "$BUNDLE"
  config '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
}

@test "a user namespace maps container root to the host range" {
  userns_config
  run_in sh -c 'cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g'
  echo "$output"
  [ "$status" -eq 0 ]
  read -r -a uid_map <<<"${lines[0]}"
  read -r -a gid_map <<<"${lines[1]}"
  [ "${uid_map[*]}" = "0 100000 65536" ]
  [ "${gid_map[*]}" = "0 100000 65536" ]
  [ "${lines[2]}" = 0 ]
  [ "${lines[3]}" = 0 ]
}

@test "a user namespace's root is uid 100000 on the host" {
  userns_config
  run_detached sleep 100
  pid=$(pid_of "$CID")
  grep '^Uid:' "/proc/$pid/status"
  [ "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" = 100000 ]
  [ "$(readlink "/proc/$pid/ns/user")" != "$(readlink /proc/self/ns/user)" ]
}

@test "a time namespace applies timeOffsets" {
  config '.linux.namespaces += [{"type": "time"}]
    | .linux.timeOffsets = {"monotonic": {"secs": 86400, "nanosecs": 0},
                            "boottime": {"secs": 86400, "nanosecs": 0}}'
  run_in sh -c 'cat /proc/self/timens_offsets; cut -d. -f1 /proc/uptime'
  host_uptime=$(cut -d. -f1 /proc/uptime)
  echo "$output (host uptime $host_uptime)"
  [ "$status" -eq 0 ]
  grep -Eq '^monotonic +86400 +0$' <<<"$output"
  grep -Eq '^boottime +86400 +0$' <<<"$output"
  inside=${lines[-1]}
  [ $((inside - host_uptime)) -ge 86390 ]
  [ $((inside - host_uptime)) -le 86410 ]
}
