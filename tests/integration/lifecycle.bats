#!/usr/bin/env bats
# The OCI lifecycle verbs: create/start/state/kill/delete/run/list/spec/features.

load helpers
bats_require_minimum_version 1.5.0

setup_file() { make_template; }
setup() { setup_bundle_from_template; }
teardown() { teardown_bundle; }

@test "create, start, kill, delete walk through created/running/stopped" {
  create_ctr sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
  run rt state "$CID"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(jq -r .status <<<"$output")" = created ]
  [ "$(jq -r .id <<<"$output")" = "$CID" ]
  [ "$(jq -r .bundle <<<"$output")" = "$BUNDLE" ]
  [ -n "$(jq -r '.ociVersion // empty' <<<"$output")" ]
  pid=$(jq -r .pid <<<"$output")
  [ "$pid" -gt 0 ]
  [ -d "/proc/$pid" ]

  rt start "$CID"
  [ "$(status_of "$CID")" = running ]
  [ "$(pid_of "$CID")" = "$pid" ]

  rt kill "$CID" TERM
  wait_status "$CID" stopped
  pid_gone "$pid"

  rt delete "$CID"
  run --separate-stderr rt state "$CID"
  echo "status=$status stderr=$stderr"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"$CID"* ]]
  assert_no_leftovers "$CID"
}

@test "kill accepts signal names, numbers and the SIG prefix" {
  script='trap "exit 0" TERM; while :; do sleep 0.1; done'
  for sig in TERM 15 SIGTERM KILL 9 SIGKILL; do
    CID=it-$$-$RANDOM
    run_detached sh -c "$script"
    wait_status "$CID" running
    run rt kill "$CID" "$sig"
    echo "kill $sig: status=$status output=$output"
    [ "$status" -eq 0 ]
    wait_status "$CID" stopped
    rt delete "$CID"
  done
}

@test "run in the foreground returns the process's exit code" {
  run_in sh -c 'exit 7'
  echo "$output"
  [ "$status" -eq 7 ]
  assert_no_leftovers "$CID"
  run_in true
  [ "$status" -eq 0 ]
}

@test "run returns 128+N when the process dies of signal N" {
  # pid 1 of a pid namespace cannot signal itself, so share the host's.
  config 'del(.linux.namespaces[] | select(.type == "pid"))'
  run_in sh -c 'kill -KILL $$'
  echo "$output"
  [ "$status" -eq 137 ]
  run_in sh -c 'kill -TERM $$'
  [ "$status" -eq 143 ]
  assert_no_leftovers "$CID"
}

@test "run --detach returns with the container running" {
  run_detached sleep 100
  [ "$(status_of "$CID")" = running ]
  pid=$(pid_of "$CID")
  [ "$(cat "/proc/$pid/comm")" = sleep ]
}

@test "a duplicate id fails with 'already exists' and leaves the first intact" {
  create_ctr sleep 100
  pid=$(pid_of "$CID")
  run --separate-stderr rt create --bundle "$BUNDLE" "$CID"
  echo "status=$status stderr=$stderr"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"already exists"* ]]
  [ "$(status_of "$CID")" = created ]
  [ "$(pid_of "$CID")" = "$pid" ]
  [ -d "/proc/$pid" ]
  rt start "$CID"
  [ "$(status_of "$CID")" = running ]
}

@test "start of a running container fails and changes nothing" {
  run_detached sleep 100
  pid=$(pid_of "$CID")
  run --separate-stderr rt start "$CID"
  echo "status=$status stderr=$stderr"
  [ "$status" -eq 1 ]
  assert_one_line "$stderr"
  [ "$(status_of "$CID")" = running ]
  [ "$(pid_of "$CID")" = "$pid" ]
  [ -d "/proc/$pid" ]
}

@test "delete of a running container needs --force" {
  run_detached sleep 100
  pid=$(pid_of "$CID")
  run --separate-stderr rt delete "$CID"
  echo "status=$status stderr=$stderr"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"$CID"* ]]
  [ "$(status_of "$CID")" = running ]
  [ -d "/proc/$pid" ]

  run rt delete --force "$CID"
  echo "$output"
  [ "$status" -eq 0 ]
  run rt state "$CID"
  [ "$status" -eq 1 ]
  pid_gone "$pid"
  assert_no_leftovers "$CID"
}

@test "delete --force of a nonexistent id exits 0" {
  run rt delete --force "no-such-$CID"
  echo "$output"
  [ "$status" -eq 0 ]
}

@test "kill with a bad signal name exits 1 with a one-line error" {
  run_detached sleep 100
  run --separate-stderr rt kill "$CID" NOTASIG
  echo "status=$status stderr=$stderr"
  [ "$status" -eq 1 ]
  assert_one_line "$stderr"
  [[ "$stderr" == *NOTASIG* ]]
  [ "$(status_of "$CID")" = running ]
}

@test "list shows a table, ids with -q, and json" {
  create_ctr sleep 100
  pid=$(pid_of "$CID")
  run rt list
  echo "$output"
  [ "$status" -eq 0 ]
  read -r -a head <<<"${lines[0]}"
  [ "${head[*]}" = "ID PID STATUS BUNDLE CREATED OWNER" ]
  read -r -a row <<<"${lines[1]}"
  [ "${row[0]}" = "$CID" ]
  [ "${row[1]}" = "$pid" ]
  [ "${row[2]}" = created ]
  [ "${row[3]}" = "$BUNDLE" ]
  [ "${row[5]}" = root ]

  run rt list -q
  [ "$status" -eq 0 ]
  [ "$output" = "$CID" ]

  run rt list --format json
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(jq -r 'length' <<<"$output")" -eq 1 ]
  [ "$(jq -r '.[0].id' <<<"$output")" = "$CID" ]
  [ "$(jq -r '.[0].pid' <<<"$output")" = "$pid" ]
  [ "$(jq -r '.[0].status' <<<"$output")" = created ]
}

@test "--pid-file holds the state's pid" {
  set_args sleep 100
  rt create --pid-file "$BUNDLE/pidfile" --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1
  [ -s "$BUNDLE/pidfile" ]
  echo "pidfile=$(cat "$BUNDLE/pidfile") state=$(pid_of "$CID")"
  [ "$(cat "$BUNDLE/pidfile")" = "$(pid_of "$CID")" ]
}

@test "spec refuses to overwrite an existing config.json" {
  before=$(sha256sum <"$BUNDLE/config.json")
  run --separate-stderr rt spec --bundle "$BUNDLE"
  echo "status=$status stderr=$stderr"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *config.json* ]]
  [ "$(sha256sum <"$BUNDLE/config.json")" = "$before" ]
}

@test "features is JSON with ociVersionMax and linux.namespaces" {
  run --separate-stderr rt features
  [ "$status" -eq 0 ]
  jq -e '.ociVersionMax | type == "string"' <<<"$output"
  jq -e '.linux.namespaces | index("pid") and index("network") and index("mount")' <<<"$output"
}

@test "--systemd-cgroup create fails naming systemd and leaves no state" {
  set_args sleep 100
  run --separate-stderr rt --systemd-cgroup create --bundle "$BUNDLE" "$CID"
  echo "status=$status stderr=$stderr"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *systemd* ]]
  run rt state "$CID"
  [ "$status" -eq 1 ]
  [ -z "$(rt list -q)" ]
  assert_no_leftovers "$CID"
}
