#!/usr/bin/env bats
# The CLI surface shared with runc: spec output, logging flags, kill --all,
# list formats, and exit codes.

load helpers
bats_require_minimum_version 1.5.0

setup_file() { make_template; }
setup() { setup_bundle_from_template; }
teardown() { teardown_bundle; }

@test "spec writes the same config.json as runc spec" {
  command -v runc >/dev/null || skip "runc not installed"
  d=$(mktemp -d)
  mkdir "$d/runc" "$d/berth"
  (cd "$d/runc" && runc spec)
  "$RUNTIME" spec --bundle "$d/berth"
  run diff <(jq -S . "$d/runc/config.json") <(jq -S . "$d/berth/config.json")
  rm -rf "$d"
  echo "$output"
  [ "$status" -eq 0 ]
}

@test "spec --rootless writes the same config.json as runc spec --rootless" {
  command -v runc >/dev/null || skip "runc not installed"
  d=$(mktemp -d)
  mkdir "$d/runc" "$d/berth"
  (cd "$d/runc" && runc spec --rootless)
  "$RUNTIME" spec --rootless --bundle "$d/berth"
  run diff <(jq -S . "$d/runc/config.json") <(jq -S . "$d/berth/config.json")
  rm -rf "$d"
  echo "$output"
  [ "$status" -eq 0 ]
}

@test "--log with --log-format json writes one JSON object per error" {
  run rt --log "$BUNDLE/log.json" --log-format json state no-such-ctr
  [ "$status" -eq 1 ]
  cat "$BUNDLE/log.json"
  [ "$(wc -l <"$BUNDLE/log.json")" -eq 1 ]
  [ "$(jq -r .level "$BUNDLE/log.json")" = error ]
  [[ "$(jq -r .msg "$BUNDLE/log.json")" == *no-such-ctr* ]]
  [[ "$(jq -r .time "$BUNDLE/log.json")" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$ ]]
}

@test "the default text log format is runc's key=value line" {
  run --separate-stderr rt state no-such-ctr
  echo "$stderr"
  [ "$status" -eq 1 ]
  [[ "$stderr" =~ ^time=\"[0-9T:.-]+Z\"\ level=error\ msg=\".*no-such-ctr.*\"$ ]]
}

@test "--log-format with an unknown value is refused" {
  run --separate-stderr rt --log-format xml list
  [ "$status" -ne 0 ]
  [[ "$stderr" == *xml* || "$stderr" == *log-format* ]]
}

@test "kill --all signals every process in the container's cgroup" {
  run_detached sh -c 'sleep 100 & sleep 100 & wait'
  pid=$(pid_of "$CID")
  for i in $(seq 50); do [ "$(pgrep -P "$pid" | wc -l)" -ge 2 ] && break; sleep 0.1; done
  kids=$(pgrep -P "$pid" | xargs)
  [ -n "$kids" ]
  rt kill --all "$CID" KILL
  wait_status "$CID" stopped
  for k in $kids; do pid_gone "$k"; done
}

@test "list --format json carries id, pid, status, bundle, created and owner" {
  create_ctr sleep 100
  run rt list --format json
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(jq -r '.[0].id' <<<"$output")" = "$CID" ]
  [ "$(jq -r '.[0].pid' <<<"$output")" = "$(pid_of "$CID")" ]
  [ "$(jq -r '.[0].status' <<<"$output")" = created ]
  [ "$(jq -r '.[0].bundle' <<<"$output")" = "$BUNDLE" ]
  [ "$(jq -r '.[0].owner' <<<"$output")" = root ]
  [[ "$(jq -r '.[0].created' <<<"$output")" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T ]]
}

@test "--version names the runtime and the spec version" {
  run rt --version
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == *berth-runtime* ]]
  [[ "$output" == *"spec: 1.2"* ]]
}
