#!/usr/bin/env bats
# GET /events on a real berthd: the image events of pull, tag, rmi,
# import, save and load as dockerd 20.10 sends them (legacy status/id,
# Actor, scope, time, timeNano), since/until (past only, or live until a
# time), filters in both JSON forms, a live stream, bad queries as 400s,
# and the docker CLI reading the stream.

load daemon_helpers

setup_file() {
  [ "$(id -u)" -eq 0 ] || skip "daemon tests need root"
  T=$(mktemp -d /tmp/berth-events-XXXXXX)
  export T
  start_registry
  export REG
}

teardown_file() {
  [ -n "${T:-}" ] || return 0
  stop_registry
  rm -rf "$T"
}

setup() {
  rm -rf "$T/data" "$T/run" "$T/berthd.log"
  start_berthd
}

teardown() {
  [ -f "$T/curl.pid" ] && { kill "$(cat "$T/curl.pid")" 2>/dev/null || true; rm -f "$T/curl.pid"; }
  stop_berthd
  rm -rf "$T/data" "$T/run"
}

now() { date +%s.%N; }

# events QUERY: the past events GET /events?QUERY returns (QUERY must give
# an until in the past), one JSON object a line; fails when it does not end.
events() {
  timeout 10 curl -sS --fail-with-body --unix-socket "$SOCK" "http://x/events?$1"
}

# actions JSON_LINES: "Type Action name" per event.
actions() {
  jq -r '"\(.Type) \(.Action) \(.Actor.Attributes.name // "")"' <<<"$1"
}

urlenc() {
  jq -rn --arg v "$1" '$v|@uri'
}

@test "pull, tag and rmi send dockerd's image events" {
  t0=$(now)
  api POST "/images/create?fromImage=$REG/test/base&tag=latest" >/dev/null
  id=$(api GET "/images/$REG/test/base/json" | jq -r .Id)
  [ "$(api POST "/images/$REG/test/base:latest/tag?repo=mine&tag=1" -o /dev/null -w '%{http_code}')" = 201 ]
  api DELETE /images/mine:1 >/dev/null
  api DELETE "/images/$REG/test/base:latest" >/dev/null
  sleep 0.1
  run events "since=$t0&until=$(now)"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(actions "$output")" = "$(printf '%s\n' \
    "image pull $REG/test/base" \
    "image tag mine:1" \
    "image untag $id" \
    "image untag $id" \
    "image delete $id")" ]
  # The pull as dockerd writes it: actor the reference pulled, name its
  # repository, and the legacy fields.
  pull=$(head -1 <<<"$output")
  [ "$(jq -r .status <<<"$pull")" = pull ]
  [ "$(jq -r .id <<<"$pull")" = "$REG/test/base:latest" ]
  [ "$(jq -r .Actor.ID <<<"$pull")" = "$REG/test/base:latest" ]
  [ "$(jq -r .scope <<<"$pull")" = local ]
  [ "$(jq 'has("from")' <<<"$pull")" = false ]
  [ "$(jq '.time == (.timeNano / 1000000000 | floor)' <<<"$pull")" = true ]
  [ "$(jq -r '.time | type' <<<"$pull")" = number ]
  # Others are about the image ID.
  tag=$(sed -n 2p <<<"$output")
  [ "$(jq -r .Actor.ID <<<"$tag")" = "$id" ]
  [ "$(jq -r .id <<<"$tag")" = "$id" ]
  # In time order, all after t0.
  jq -r .timeNano <<<"$output" | sort -c -n
  first=$(jq -r .time <<<"$pull")
  [ "$first" -ge "${t0%.*}" ]
}

@test "import, save and load send their events" {
  mkdir -p "$T/rootfs/bin"
  cp "$(command -v busybox)" "$T/rootfs/bin/busybox"
  tar -C "$T/rootfs" --numeric-owner -cf "$T/rootfs.tar" .
  t0=$(now)
  api POST "/images/create?fromSrc=-&repo=imp&tag=1" --data-binary @"$T/rootfs.tar" \
    -H 'Content-Type: application/x-tar' >/dev/null
  id=$(api GET /images/imp:1/json | jq -r .Id)
  api GET "/images/imp:1/get" -o "$T/save.tar"
  api POST /images/load --data-binary @"$T/save.tar" -H 'Content-Type: application/x-tar' >/dev/null
  sleep 0.1
  run events "since=$t0&until=$(now)"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(actions "$output")" = "$(printf '%s\n' \
    "image tag imp:1" \
    "image import $id" \
    "image save $id" \
    "image load $id")" ]
}

@test "push and prune send their events" {
  api POST "/images/create?fromImage=$REG/test/base&tag=latest" >/dev/null
  api POST "/images/$REG/test/base:latest/tag?repo=$REG/test/pushed&tag=7" >/dev/null
  id=$(api GET "/images/$REG/test/base/json" | jq -r .Id)
  t0=$(now)
  api POST "/images/$REG/test/pushed/push?tag=7" -H "X-Registry-Auth: e30=" >/dev/null
  api POST "/images/prune?filters=$(urlenc '{"dangling":["false"]}')" >/dev/null
  sleep 0.1
  run events "since=$t0&until=$(now)"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(head -1 <<<"$output" | jq -r '"\(.Action) \(.Actor.ID) \(.Actor.Attributes.name)"')" = \
    "push $REG/test/pushed:7 $REG/test/pushed" ]
  # prune -a: the image's names go (untag, by ID), then the image.
  [ "$(tail -1 <<<"$output" | jq -r '"\(.Action) \(.Actor.ID)"')" = "delete $id" ]
  middle=$(jq -r .Action <<<"$output" | sed '1d;$d' | sort -u)
  [ "$middle" = untag ]
  [ "$(jq -r .Action <<<"$output" | grep -c untag)" -ge 2 ]
}

@test "filters: type, event, image, label and container, in list and map form" {
  t0=$(now)
  api POST "/images/create?fromImage=$REG/test/base&tag=latest" >/dev/null
  api POST "/images/$REG/test/base:latest/tag?repo=one&tag=1" >/dev/null
  api POST "/images/$REG/test/base:latest/tag?repo=two&tag=2" >/dev/null
  sleep 0.1
  q="since=$t0&until=$(now)"
  f() { events "$q&filters=$(urlenc "$1")" | jq -r .Action | paste -sd' '; }
  [ "$(f '{"type":["image"]}')" = "pull tag tag" ]
  [ "$(f '{"type":["container"]}')" = "" ]
  [ "$(f '{"event":["tag"]}')" = "tag tag" ]
  [ "$(f '{"event":{"pull":true}}')" = "pull" ]
  [ "$(f '{"event":{"pull":false}}')" = "pull tag tag" ]
  [ "$(f '{"type":["image"],"event":["pull","tag"]}')" = "pull tag tag" ]
  # image: the name with or without its tag, or the actor.
  [ "$(f '{"image":["two:2"]}')" = "tag" ]
  [ "$(f '{"image":["one"]}')" = "tag" ]
  [ "$(f "{\"image\":[\"$REG/test/base\"]}")" = "pull" ]
  # label: attributes, "key" or "key=value".
  [ "$(f '{"label":["name=one:1"]}')" = "tag" ]
  [ "$(f '{"label":["name"]}')" = "pull tag tag" ]
  # container: an ID or name prefix, of any event (as dockerd matches it).
  [ "$(f '{"container":["tw"]}')" = "tag" ]
  [ "$(f '{"container":["nothing-like-it"]}')" = "" ]
}

@test "a live stream gets events as they happen and ends at until" {
  api POST "/images/create?fromImage=$REG/test/base&tag=latest" >/dev/null
  curl -sN --unix-socket "$SOCK" "http://x/events?filters=$(urlenc '{"event":["tag"]}')" \
    >"$T/live" 2>&1 &
  echo $! >"$T/curl.pid"
  sleep 0.5
  api POST "/images/$REG/test/base:latest/tag?repo=live&tag=1" >/dev/null
  wait_for grep -q '"live:1"' "$T/live"
  [ "$(jq -r .Actor.Attributes.name "$T/live")" = live:1 ]
  kill "$(cat "$T/curl.pid")"
  rm -f "$T/curl.pid"

  # until two seconds ahead: the stream ends by itself, with what came.
  # (until alone would replay the whole kept past first, as dockerd does.)
  start=$(date +%s)
  until=$(($(date +%s) + 2))
  curl -sN --unix-socket "$SOCK" "http://x/events?since=$(now)&until=$until" >"$T/until" 2>&1 &
  pid=$!
  sleep 0.5
  api POST "/images/$REG/test/base:latest/tag?repo=live&tag=2" >/dev/null
  timeout 10 tail --pid="$pid" -f /dev/null
  [ $(($(date +%s) - start)) -le 5 ]
  [ "$(jq -r .Actor.Attributes.name "$T/until")" = live:2 ]
}

@test "since replays the kept past, then the stream follows live events" {
  api POST "/images/create?fromImage=$REG/test/base&tag=latest" >/dev/null
  api POST "/images/$REG/test/base:latest/tag?repo=past&tag=1" >/dev/null
  curl -sN --unix-socket "$SOCK" "http://x/events?since=$(($(date +%s) - 60))" >"$T/both" 2>&1 &
  echo $! >"$T/curl.pid"
  sleep 0.5
  api POST "/images/$REG/test/base:latest/tag?repo=past&tag=2" >/dev/null
  wait_for grep -q '"past:2"' "$T/both"
  [ "$(jq -r .Action "$T/both" | paste -sd' ')" = "pull tag tag" ]
  # Without since or until there is no past: only what comes next.
  run timeout 1 curl -sN --unix-socket "$SOCK" "http://x/events"
  [ -z "$output" ]
}

@test "times: RFC 3339 and fractional seconds; until before since; past only ends at once" {
  t0=$(now)
  api POST "/images/create?fromImage=$REG/test/base&tag=latest" >/dev/null
  sleep 0.1
  t1=$(now)
  [ "$(events "since=$t0&until=$t1" | jq -r .Action)" = pull ]
  # The same window as RFC 3339 with nanoseconds.
  r0=$(date -u -d "@$t0" +%Y-%m-%dT%H:%M:%S.%NZ)
  r1=$(date -u -d "@$t1" +%Y-%m-%dT%H:%M:%S.%NZ)
  [ "$(events "since=$(urlenc "$r0")&until=$(urlenc "$r1")" | jq -r .Action)" = pull ]
  # A window after the pull has nothing, and ends at once.
  [ -z "$(events "since=$t1&until=$(now)")" ]
  run api GET "/events?since=$t1&until=$t0" -w '\n%{http_code}'
  [ "${lines[-1]}" = 400 ]
  [[ "${lines[0]}" == *"cannot be after"* ]]
}

@test "bad filters and times are 400s with docker's message" {
  run api GET "/events?filters=$(urlenc '{"colour":["red"]}')" -w '\n%{http_code}'
  echo "$output"
  [ "${lines[-1]}" = 400 ]
  [ "$(jq -r .message <<<"${lines[0]}")" = "invalid filter 'colour'" ]
  for bad in 'not json' '[1]' '{"type":"image"}' '{"type":[1]}'; do
    run api GET "/events?filters=$(urlenc "$bad")" -w '\n%{http_code}'
    echo "$bad -> $output"
    [ "${lines[-1]}" = 400 ]
    [ "$(jq -r .message <<<"${lines[0]}" | wc -l)" -eq 1 ]
  done
  run api GET "/events?since=yesterday" -w '\n%{http_code}'
  [ "${lines[-1]}" = 400 ]
  [[ "${lines[0]}" == *"since"* ]]
}

@test "the docker CLI reads the stream" {
  command -v docker >/dev/null || skip "no docker CLI"
  t0=$(date +%s)
  api POST "/images/create?fromImage=$REG/test/base&tag=latest" >/dev/null
  api POST "/images/$REG/test/base:latest/tag?repo=cli&tag=1" >/dev/null
  run timeout 10 docker -H "unix://$SOCK" events --since "$t0" --until "$(($(date +%s) + 1))" \
    --filter type=image --format '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "image pull $REG/test/base" ]
  [ "${lines[1]}" = "image tag cli:1" ]
}
