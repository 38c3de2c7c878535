#!/usr/bin/env bats
# Bad input: each mistake gets a one-line error naming the field and the
# cause, exit code 1, and leaves no state dir, cgroup, mount or process.

load helpers
bats_require_minimum_version 1.5.0

setup_file() { make_template; }
setup() { setup_bundle_from_template; }
teardown() { teardown_bundle; }

# create_fails WORD...: `create` exits 1 with one line of stderr containing
# every WORD, and nothing of the container remains.
create_fails() {
  run --separate-stderr rt create --bundle "$BUNDLE" "$CID"
  echo "status=$status stderr=$stderr"
  [ "$status" -eq 1 ]
  assert_one_line "$stderr"
  local w
  for w in "$@"; do
    [[ "$stderr" == *"$w"* ]] || { echo "error lacks '$w'"; return 1; }
  done
  assert_no_leftovers "$CID"
  run pgrep -f "$CID"
  [ "$status" -ne 0 ]
}

@test "malformed JSON is refused naming config.json" {
  echo '{"ociVersion": "1.0.2", "process": {' >"$BUNDLE/config.json"
  create_fails config.json "invalid JSON"
}

@test "a missing config.json is refused naming the file" {
  rm "$BUNDLE/config.json"
  create_fails config.json "No such file"
}

@test "a field of the wrong type is refused naming the field" {
  config '.process.args = "sh"'
  create_fails process.args
  config '.process.args = ["true"] | .linux.namespaces = {"type": "pid"}'
  create_fails linux.namespaces
  config '.linux.namespaces = [{"type": "pid"}] | .process.user.uid = -1'
  create_fails process.user.uid
}

@test "a missing required field is refused naming it" {
  config 'del(.ociVersion)'
  create_fails ociVersion
  config '.ociVersion = "1.0.2" | del(.process.cwd)'
  create_fails process.cwd
}

@test "an unsupported ociVersion is refused" {
  config '.ociVersion = "2.0.0"'
  create_fails ociVersion 2.0.0
  config '.ociVersion = "0.9.0"'
  create_fails ociVersion 0.9.0
}

@test "every ociVersion from 1.0.0 to 1.2.x is accepted" {
  set_args true
  for v in 1.0.0 1.0.2 1.1.0 1.2.0 1.2.1; do
    config ".ociVersion = \"$v\""
    run rt run --bundle "$BUNDLE" "$CID"
    echo "$v: $status $output"
    [ "$status" -eq 0 ]
  done
}

@test "an unknown namespace type is refused naming it" {
  config '.linux.namespaces += [{"type": "bogus"}]'
  create_fails linux.namespaces bogus
}

@test "a namespace path that does not exist is refused" {
  config '.linux.namespaces |= map(if .type == "network" then .path = "/nonexistent/netns" else . end)'
  create_fails /nonexistent/netns
}

@test "a missing rootfs is refused naming root.path" {
  config '.root.path = "no-such-rootfs"'
  create_fails root.path no-such-rootfs
}

@test "a relative cwd is refused" {
  config '.process.cwd = "relative/dir"'
  create_fails process.cwd relative/dir
}

@test "a bad mount is refused naming it and leaves no mount behind" {
  add_mount '{"destination": "/mnt", "type": "bind", "source": "/nonexistent/berth-src",
    "options": ["rbind"]}'
  create_fails /nonexistent/berth-src
  config '.mounts[-1] = {"destination": "/mnt", "type": "tmpfs", "source": "tmpfs",
    "options": ["size=bogus"]}'
  create_fails /mnt
}

@test "uidMappings without a user namespace are refused" {
  config '.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 1000}]'
  create_fails linux.uidMappings
}

@test "an invalid container id is refused" {
  set_args true
  for id in "../escape" "a/b" "" "-leading"; do
    run --separate-stderr rt create --bundle "$BUNDLE" "$id"
    echo "id=<$id> status=$status stderr=$stderr"
    [ "$status" -ne 0 ]
    [ -n "$stderr" ]
  done
  [ ! -e "$ROOT/../escape" ]
  [ ! -d "$ROOT" ] || [ -z "$(find "$ROOT" -mindepth 1)" ]
}

@test "state, start, kill and delete of an unknown id fail naming it" {
  for verb in state start "kill" delete; do
    run --separate-stderr rt $verb no-such-ctr
    echo "$verb: status=$status stderr=$stderr"
    [ "$status" -eq 1 ]
    assert_one_line "$stderr"
    [[ "$stderr" == *no-such-ctr* ]]
    [[ "$stderr" == *"does not exist"* ]]
  done
}

@test "an unknown flag or verb is a usage error" {
  run --separate-stderr rt create --bogus-flag "$CID"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *bogus-flag* ]]
  run --separate-stderr rt frobnicate
  [ "$status" -ne 0 ]
  [[ "$stderr" == *frobnicate* ]]
  assert_no_leftovers "$CID"
}
