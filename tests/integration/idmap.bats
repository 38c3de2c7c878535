#!/usr/bin/env bats
# Idmapped bind mounts (MOUNT_ATTR_IDMAP) and what else must keep working
# inside a user namespace: the files a container sees are owned through the
# mapping, without any chown of the files themselves.

load helpers
bats_require_minimum_version 1.5.0

setup_file() { make_template; }
setup() {
  setup_bundle_from_template
  # Container root is host uid/gid 100000; the rootfs belongs to it.
  config '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
  chown -R 100000:100000 "$BUNDLE/rootfs"
  chmod 755 "$BUNDLE"  # the init, as uid 100000, must reach its rootfs
  SRCDIR=$BUNDLE/src
  mkdir -p "$SRCDIR"
  touch "$SRCDIR/root-file" "$SRCDIR/u1000"
  chown 1000:1000 "$SRCDIR/u1000"
}
teardown() { teardown_bundle; }

@test "an idmap bind shows host-owned files as the container's own; a plain bind does not" {
  add_mount "{\"destination\": \"/id\", \"type\": \"bind\", \"source\": \"$SRCDIR\", \"options\": [\"rbind\", \"idmap\"]}"
  add_mount "{\"destination\": \"/plain\", \"type\": \"bind\", \"source\": \"$SRCDIR\", \"options\": [\"rbind\"]}"
  run_in sh -c 'stat -c "%n %u:%g" /id/root-file /id/u1000 /plain/root-file; touch /id/made && echo made'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "/id/root-file 0:0" ]
  [ "${lines[1]}" = "/id/u1000 1000:1000" ]
  [ "${lines[2]}" = "/plain/root-file 65534:65534" ]
  [ "${lines[3]}" = made ]
  # What container root wrote through the idmapped mount is host root's.
  [ "$(stat -c %u:%g "$SRCDIR/made")" = 0:0 ]
  # The files themselves were never chowned.
  [ "$(stat -c %u "$SRCDIR/u1000")" = 1000 ]
}

@test "a mount's own uidMappings and gidMappings are used instead of the container's" {
  # On this mount, disk id 1000 becomes host id 100005: container id 5. Disk
  # ids the mapping does not list (0 here) show as the overflow id.
  add_mount "{\"destination\": \"/id\", \"type\": \"bind\", \"source\": \"$SRCDIR\", \"options\": [\"rbind\", \"idmap\"],
    \"uidMappings\": [{\"containerID\": 1000, \"hostID\": 100005, \"size\": 1}],
    \"gidMappings\": [{\"containerID\": 1000, \"hostID\": 100007, \"size\": 1}]}"
  run_in stat -c "%n %u:%g" /id/u1000 /id/root-file
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "/id/u1000 5:7" ]
  [ "${lines[1]}" = "/id/root-file 65534:65534" ]
}

@test "ridmap idmaps the submounts of an rbind too; idmap only the top" {
  mkdir -p "$SRCDIR/sub"
  mount -t tmpfs -o mode=755 berth-idmap-sub "$SRCDIR/sub"
  touch "$SRCDIR/sub/f"
  add_mount "{\"destination\": \"/r\", \"type\": \"bind\", \"source\": \"$SRCDIR\", \"options\": [\"rbind\", \"ridmap\"]}"
  add_mount "{\"destination\": \"/t\", \"type\": \"bind\", \"source\": \"$SRCDIR\", \"options\": [\"rbind\", \"idmap\"]}"
  run_in stat -c "%n %u" /r/sub/f /t/sub/f /t/root-file
  umount "$SRCDIR/sub"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "/r/sub/f 0" ]
  [ "${lines[1]}" = "/t/sub/f 65534" ]
  [ "${lines[2]}" = "/t/root-file 0" ]
}

@test "idmap on a mount that is not a bind is refused clearly" {
  add_mount '{"destination": "/t", "type": "tmpfs", "source": "tmpfs", "options": ["idmap"]}'
  set_args true
  run --separate-stderr rt create --bundle "$BUNDLE" "$CID"
  echo "status=$status stderr=$stderr"
  [ "$status" -eq 1 ]
  assert_one_line "$stderr"
  [[ "$stderr" == *"/t"* ]]
  [[ "$stderr" == *"bind"* ]]
  assert_no_leftovers "$CID"
}

@test "idmap without any mapping is refused clearly" {
  config 'del(.linux.uidMappings) | del(.linux.gidMappings) | .linux.namespaces |= map(select(.type != "user"))'
  chown -R 0:0 "$BUNDLE/rootfs"
  add_mount "{\"destination\": \"/id\", \"type\": \"bind\", \"source\": \"$SRCDIR\", \"options\": [\"rbind\", \"idmap\"]}"
  set_args true
  run --separate-stderr rt create --bundle "$BUNDLE" "$CID"
  echo "status=$status stderr=$stderr"
  [ "$status" -eq 1 ]
  assert_one_line "$stderr"
  [[ "$stderr" == *uidMappings* ]]
  assert_no_leftovers "$CID"
}

@test "devices still work inside a user namespace (bind-mounted, not mknod'ed)" {
  run_in sh -c 'echo x >/dev/null && head -c 4 /dev/zero | wc -c && grep -c " /dev/null " /proc/self/mountinfo'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 4 ]
  [ "${lines[1]}" = 1 ]
}
