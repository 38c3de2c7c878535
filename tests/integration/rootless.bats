#!/usr/bin/env bats
# Rootless: berth-runtime run by an unprivileged user with `spec --rootless`.
# cgroups are used only where delegated to that user, and it says which.

load helpers
bats_require_minimum_version 1.5.0

RL_USER=berth-rl-test

setup_file() {
  [ "$(id -u)" -eq 0 ] || return 0
  id "$RL_USER" >/dev/null 2>&1 || useradd -M -d /nonexistent -s /bin/sh "$RL_USER"
}
teardown_file() {
  [ "$(id -u)" -eq 0 ] || return 0
  userdel "$RL_USER" 2>/dev/null || true
}

setup() {
  [ "$(id -u)" -eq 0 ] || skip "needs root to make the test user"
  [ "$(sysctl -n user.max_user_namespaces)" -gt 0 ] || skip "user namespaces disabled"
  RL_UID=$(id -u "$RL_USER")
  RL_DIR=$(mktemp -d /tmp/berth-rl-XXXXXX)
  cp "$RUNTIME" "$RL_DIR/berth-runtime"  # reachable by the user whatever the build dir
  "$SRC/tests/lib/make_bundle.sh" "$RL_DIR/bundle" >/dev/null
  rm -f "$RL_DIR/bundle/config.json"
  CID=rl-$$-$RANDOM
  chown -R "$RL_USER": "$RL_DIR"
  chmod 755 "$RL_DIR"
  as_user "cd $RL_DIR/bundle && $RL_DIR/berth-runtime spec --rootless"
  rl_config '.process.terminal = false'
}

teardown() {
  if [ -n "${RL_DIR:-}" ]; then
    as_user "XDG_RUNTIME_DIR=$RL_DIR/xdg $RL_DIR/berth-runtime delete --force $CID" >/dev/null 2>&1 || true
    rm -rf "$RL_DIR"
  fi
}

# as_user CMD: CMD in sh as the unprivileged user.
as_user() {
  su -s /bin/sh "$RL_USER" -c "$1"
}

rl_config() {
  jq "$1" "$RL_DIR/bundle/config.json" >"$RL_DIR/c.json"
  mv "$RL_DIR/c.json" "$RL_DIR/bundle/config.json"
  chown "$RL_USER": "$RL_DIR/bundle/config.json"
}

rl_run() {
  local args
  args=$(printf '%s\n' "$@" | jq -R . | jq -s .)
  rl_config ".process.args = $args"
  run --separate-stderr as_user "cd $RL_DIR/bundle && XDG_RUNTIME_DIR=$RL_DIR/xdg $RL_DIR/berth-runtime run $CID"
}

@test "an unprivileged user runs a rootless container end to end" {
  rl_run sh -c 'id -u; cat /proc/self/uid_map; hostname; echo x >/dev/shm/ok && echo wrote'
  echo "status=$status out=$output err=$stderr"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 0 ]
  # Container root is the user's own uid, and only it.
  [ "$(echo ${lines[1]} | xargs)" = "0 $RL_UID 1" ]
  [ "${lines[2]}" = "$(jq -r .hostname "$RL_DIR/bundle/config.json")" ]
  [ "${lines[3]}" = wrote ]
  # State went under $XDG_RUNTIME_DIR, as runc does for rootless callers,
  # and run removed it after the container exited.
  [ -d "$RL_DIR/xdg/berth-runtime" ]
  [ -z "$(ls -A "$RL_DIR/xdg/berth-runtime")" ]
}

@test "without a delegated cgroup the container runs in the caller's and says so" {
  rl_config '.process.args = ["sleep", "100"]'
  run --separate-stderr as_user "cd $RL_DIR/bundle && XDG_RUNTIME_DIR=$RL_DIR/xdg $RL_DIR/berth-runtime run --detach $CID </dev/null >/dev/null"
  echo "status=$status err=$stderr"
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"no cgroup is delegated"* ]]
  pid=$(as_user "XDG_RUNTIME_DIR=$RL_DIR/xdg $RL_DIR/berth-runtime state $CID" | jq .pid)
  [ "$(as_user "XDG_RUNTIME_DIR=$RL_DIR/xdg $RL_DIR/berth-runtime state $CID" | jq -r .status)" = running ]
  # No cgroup named after the container anywhere.
  [ -z "$(find /sys/fs/cgroup -maxdepth 4 -type d -name "$CID" 2>/dev/null)" ]
  # The init runs as the user on the host.
  [ "$(stat -c %u "/proc/$pid")" = "$RL_UID" ]
  as_user "XDG_RUNTIME_DIR=$RL_DIR/xdg $RL_DIR/berth-runtime delete --force $CID"
  pid_gone "$pid"
}

@test "limits without a delegated cgroup are refused clearly, leaving nothing" {
  rl_config '.linux.resources = {"pids": {"limit": 10}}'
  rl_run true
  echo "status=$status err=$stderr"
  [ "$status" -eq 1 ]
  assert_one_line "$stderr"
  [[ "$stderr" == *linux.resources* ]]
  [[ "$stderr" == *delegated* ]]
  [ ! -e "$RL_DIR/xdg/berth-runtime/$CID" ]
}

@test "a delegated cgroup2 subtree is used (private mount namespace)" {
  rl_config '.process.args = ["sleep", "100"]'
  cat >"$RL_DIR/v2.sh" <<SH
set -e
mount --make-rprivate /
umount -l /sys/fs/cgroup
mount -t cgroup2 none /sys/fs/cgroup
mkdir /sys/fs/cgroup/$CID-user
chown -R $RL_USER: /sys/fs/cgroup/$CID-user
echo \$\$ >/sys/fs/cgroup/$CID-user/cgroup.procs
su -s /bin/sh $RL_USER -c "cd $RL_DIR/bundle && XDG_RUNTIME_DIR=$RL_DIR/xdg $RL_DIR/berth-runtime run --detach $CID </dev/null >/dev/null"
pid=\$(su -s /bin/sh $RL_USER -c "XDG_RUNTIME_DIR=$RL_DIR/xdg $RL_DIR/berth-runtime state $CID" | jq .pid)
cat /proc/\$pid/cgroup
su -s /bin/sh $RL_USER -c "XDG_RUNTIME_DIR=$RL_DIR/xdg $RL_DIR/berth-runtime delete --force $CID"
[ ! -d /sys/fs/cgroup/$CID-user/$CID ] && echo removed
rmdir /sys/fs/cgroup/$CID-user/$CID 2>/dev/null || true
echo \$\$ >/sys/fs/cgroup/cgroup.procs
rmdir /sys/fs/cgroup/$CID-user
SH
  run unshare -m sh "$RL_DIR/v2.sh"
  echo "$output"
  [ "$status" -eq 0 ]
  grep -qx "0::/$CID-user/$CID" <<<"$output"
  grep -qx removed <<<"$output"
  mountpoint -q /sys/fs/cgroup/unified
}
