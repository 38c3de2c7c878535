#!/usr/bin/env bats
# The container's mount table: default mounts, bind/tmpfs mounts and their
# options, readonly root, masked and read-only paths, sysctls, propagation.

load helpers
bats_require_minimum_version 1.5.0

setup_file() { make_template; }
setup() { setup_bundle_from_template; HOSTMNTS=(); }
teardown() {
  local m
  for m in "${HOSTMNTS[@]}"; do umount -l "$m" 2>/dev/null || true; done
  teardown_bundle
}

# host_mount ARGS... TARGET: mount(8) on the host, undone by teardown.
host_mount() {
  mount "$@" && HOSTMNTS=("${@: -1}" "${HOSTMNTS[@]}")
}

# mountinfo_of MOUNTPOINT: "fstype mount-options super-options optional" of
# MOUNTPOINT in $output (a container's /proc/self/mountinfo).
mountinfo_of() {
  awk -v m="$1" '$5 == m { for (i = 7; $i != "-"; i++) opt = opt $i " ";
    print $(i + 1), $6, $(i + 3), opt; opt = "" }' <<<"$output" | tail -1
}

@test "proc, sysfs (ro), tmpfs /dev, devpts, shm and mqueue are mounted" {
  run_in cat /proc/self/mountinfo
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$(mountinfo_of /proc)" == "proc "* ]]
  read -r fstype opts _ <<<"$(mountinfo_of /sys)"
  [ "$fstype" = sysfs ]
  [[ ",$opts," == *,ro,* ]]
  [[ "$(mountinfo_of /dev)" == "tmpfs "* ]]
  [[ "$(mountinfo_of /dev/pts)" == "devpts "* ]]
  [[ "$(mountinfo_of /dev/shm)" == "tmpfs "* ]]
  [[ "$(mountinfo_of /dev/mqueue)" == "mqueue "* ]]
}

@test "a ro bind mount shows the host's files and refuses writes" {
  mkdir "$BUNDLE/data" && echo hello >"$BUNDLE/data/file"
  add_mount "{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$BUNDLE/data\", \"options\": [\"bind\", \"ro\"]}"
  run_in sh -c 'cat /data/file; touch /data/new && echo WROTE'
  echo "$output"
  [ "${lines[0]}" = hello ]
  [[ "$output" == *"Read-only file system"* ]]
  [[ "$output" != *WROTE* ]]
  [ ! -e "$BUNDLE/data/new" ]
  touch "$BUNDLE/data/host-still-rw"
}

@test "rbind with rro makes submounts read-only too; ro alone does not" {
  mkdir -p "$BUNDLE/data/sub"
  host_mount -t tmpfs tmpfs "$BUNDLE/data/sub"
  add_mount "{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$BUNDLE/data\", \"options\": [\"rbind\", \"rro\"]}"
  run_in sh -c 'touch /data/sub/x && echo WROTE'
  echo "rro: $output"
  [[ "$output" == *"Read-only file system"* ]]
  [[ "$output" != *WROTE* ]]
  [ ! -e "$BUNDLE/data/sub/x" ]

  config '.mounts[-1].options = ["rbind", "ro"]'
  run_in sh -c 'touch /data/sub/x && echo WROTE; touch /data/y || echo TOPRO'
  echo "ro: $output"
  [[ "$output" == *WROTE* ]]
  [[ "$output" == *TOPRO* ]]
  [ -e "$BUNDLE/data/sub/x" ]
}

@test "a tmpfs mount gets its size and mode" {
  add_mount '{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m", "mode=1770", "nodev"]}'
  run_in sh -c 'stat -c %a /scratch; cat /proc/self/mountinfo'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 1770 ]
  read -r fstype opts super _ <<<"$(mountinfo_of /scratch)"
  [ "$fstype" = tmpfs ]
  [[ ",$opts," == *,nodev,* ]]
  [[ ",$super," == *,size=1024k,* ]]
  [[ ",$super," == *,mode=1770,* ]]
}

@test "root.readonly makes the rootfs read-only; false leaves it writable" {
  config '.root.readonly = true'
  run_in sh -c 'touch /x && echo WROTE'
  echo "$output"
  [[ "$output" == *"Read-only file system"* ]]
  [[ "$output" != *WROTE* ]]
  [ ! -e "$BUNDLE/rootfs/x" ]
  config '.root.readonly = false'
  run_in touch /x
  [ "$status" -eq 0 ]
  [ -e "$BUNDLE/rootfs/x" ]
}

@test "maskedPaths hide files and directories" {
  mkdir "$BUNDLE/rootfs/secretdir"
  echo s1 >"$BUNDLE/rootfs/secretdir/f"
  echo s2 >"$BUNDLE/rootfs/secretfile"
  config '.linux.maskedPaths += ["/secretdir", "/secretfile"]'
  [ -n "$(head -c 64 /proc/timer_list)" ]  # non-empty when not masked
  run_in sh -c 'echo "timer_list=$(wc -c </proc/timer_list) file=$(wc -c </secretfile) dir=$(ls -A /secretdir | wc -l)"'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "timer_list=0 file=0 dir=0" ]
  [ "$(cat "$BUNDLE/rootfs/secretfile")" = s2 ]
}

@test "readonlyPaths make /proc/sys read-only" {
  run_in sh -c 'echo berth-ro >/proc/sys/kernel/hostname && echo WROTE'
  echo "$output"
  [[ "$output" == *"Read-only file system"* ]]
  [[ "$output" != *WROTE* ]]
  # The control: without readonlyPaths the same write works (uts namespace).
  config '.linux.readonlyPaths = []'
  run_in sh -c 'echo berth-ro >/proc/sys/kernel/hostname && hostname'
  echo "$output"
  [ "$output" = berth-ro ]
}

@test "a namespaced sysctl is set inside only" {
  host=$(cat /proc/sys/net/ipv4/ip_forward)
  want=$((1 - host))
  config ".linux.sysctl = {\"net.ipv4.ip_forward\": \"$want\"}"
  run_in cat /proc/sys/net/ipv4/ip_forward
  echo "inside=$output host=$host"
  [ "$status" -eq 0 ]
  [ "$output" = "$want" ]
  [ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$host" ]
}

@test "a sysctl that is not namespaced fails create and leaves nothing" {
  before=$(cat /proc/sys/vm/swappiness)
  config '.linux.sysctl = {"vm.swappiness": "13"}'
  set_args true
  run --separate-stderr rt create --bundle "$BUNDLE" "$CID"
  echo "status=$status stderr=$stderr"
  [ "$status" -eq 1 ]
  assert_one_line "$stderr"
  [[ "$stderr" == *vm.swappiness* ]]
  [ "$(cat /proc/sys/vm/swappiness)" = "$before" ]
  assert_no_leftovers "$CID"
}

# root_tags PROP: the propagation tags of the container's / when the bundle
# sits on a shared mount and rootfsPropagation is PROP.
root_tags() {
  host_mount --bind "$BUNDLE" "$BUNDLE"
  mount --make-shared "$BUNDLE"
  config ".linux.rootfsPropagation = \"$1\""
  run_detached sleep 100
  pid=$(pid_of "$CID")
  mkdir -p "$BUNDLE/rootfs/tmp/prop"
  host_mount -t tmpfs berth-prop "$BUNDLE/rootfs/tmp/prop"
  cat "/proc/$pid/mountinfo"
  output=$(cat "/proc/$pid/mountinfo")
  tags=$(mountinfo_of / | cut -d' ' -f4-)
  propagated=$(mountinfo_of /tmp/prop | cut -d' ' -f1)
  echo "tags of /: <$tags> /tmp/prop: <$propagated>"
}

@test "rootfsPropagation rslave: / is a slave and host mounts propagate in" {
  root_tags rslave
  [[ "$tags" == *master:* ]]
  [[ "$tags" != *shared:* ]]
  [ "$propagated" = tmpfs ]
}

@test "rootfsPropagation private: / has no peers and nothing propagates" {
  root_tags private
  [ -z "$tags" ]
  [ -z "$propagated" ]
}
