#!/usr/bin/env bats
# docker cp and docker commit through berth and the Engine API: copies in
# both directions on running and stopped containers (files, directories,
# "/." contents, "-" tar streams), docker's errors, symlink escapes (links
# to "/", "../../..", host paths; tars with "../" entries and files through
# links; a directory swapped for a link to "/" while cp runs), and commit
# (added and deleted files, opaque directories, --change, author and
# comment, pause, the commit event), then running the new image.

load daemon_helpers

setup_file() {
  daemon_suite_setup cpc
}

teardown_file() {
  [ -n "${T:-}" ] || return 0
  rm -f "/berth-cp-canary-${T##*-}" "/berth-cp-written-${T##*-}"
  daemon_suite_teardown
}

setup() {
  rm -rf "$T/out" "$T/host"
  mkdir -p "$T/out" "$T/host"
  daemon_test_setup
}

teardown() {
  daemon_test_teardown
  rm -rf "$T/out" "$T/host"
}

# sleeper NAME: a running container that waits.
sleeper() {
  b run -d --name "$1" bb:1 sleep 1000 >/dev/null
}

@test "cp out of a running container: a file, a directory, its contents with /., a tar on stdout" {
  sleeper c1
  b exec c1 sh -c 'mkdir -p /data/sub && echo one > /data/a && echo two > /data/sub/b && chmod 640 /data/a'
  run b cp c1:/data/a "$T/out/a"
  [ "$status" -eq 0 ]
  [ "$(cat "$T/out/a")" = one ]
  [ "$(stat -c %a "$T/out/a")" = 640 ]
  # Into an existing directory: under the source's name.
  b cp c1:/data "$T/out"
  [ "$(cat "$T/out/data/sub/b")" = two ]
  # To a new name: the directory becomes it.
  b cp c1:/data "$T/out/copy"
  [ "$(cat "$T/out/copy/a")" = one ]
  # "/.": the contents alone.
  mkdir "$T/out/contents"
  b cp c1:/data/. "$T/out/contents"
  [ "$(cat "$T/out/contents/sub/b")" = two ]
  [ ! -e "$T/out/contents/data" ]
  # "-": the tar itself, named as docker names it.
  run sh -c "$BERTH -H unix://$SOCK cp c1:/data - | tar -t | sort"
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'data/\ndata/a\ndata/sub/\ndata/sub/b')" ]
}

@test "cp into a running container: a file, a directory, a new name, a tar from stdin" {
  sleeper c1
  echo hello >"$T/host/f"
  mkdir -p "$T/host/dir/in"
  echo deep >"$T/host/dir/in/x"
  b cp "$T/host/f" c1:/tmp/
  [ "$(b exec c1 cat /tmp/f)" = hello ]
  b cp "$T/host/f" c1:/tmp/renamed
  [ "$(b exec c1 cat /tmp/renamed)" = hello ]
  b cp "$T/host/dir" c1:/tmp
  [ "$(b exec c1 cat /tmp/dir/in/x)" = deep ]
  b cp "$T/host/dir" c1:/newdir
  [ "$(b exec c1 cat /newdir/in/x)" = deep ]
  (cd "$T/host" && tar -cf - f) | b cp - c1:/etc
  [ "$(b exec c1 cat /etc/f)" = hello ]
  # What cp wrote is the container's change, as diff reports it.
  run b diff c1
  [[ "$output" == *"A /newdir/in/x"* ]]
  # A file over a directory is refused (the CLI asks noOverwriteDirNonDir).
  mkdir -p "$T/host/clash" && echo f >"$T/host/clash/tmp"
  run b cp "$T/host/clash/tmp" c1:/
  [ "$status" -ne 0 ]
  [[ "$output" == *"cannot overwrite directory"* ]]
  [ "$(b exec c1 sh -c 'test -d /tmp && echo dir')" = dir ]
}

@test "cp into a container of a tree with an unreadable file: an error naming it, no file cut short" {
  sleeper c1
  mkdir -p "$T/host/dir/zz"
  head -c 3000000 /dev/urandom >"$T/host/dir/big"
  echo s >"$T/host/dir/zz/secret"
  chmod 000 "$T/host/dir/zz/secret"
  # Root without the capabilities that read past file modes: the client
  # cannot open "secret" and stops in the middle of its upload.
  run setpriv --bounding-set -dac_override,-dac_read_search "$BERTH" -H "unix://$SOCK" \
    cp "$T/host/dir" c1:/hd
  [ "$status" -eq 1 ]
  [[ "$output" == *"secret"*"Permission denied"* ]]
  [ "${#lines[@]}" -eq 1 ]
  # What arrived whole stays; a file the broken upload cut short does not.
  run b exec c1 sh -c 'test ! -e /hd/big || wc -c </hd/big'
  [ "$status" -eq 0 ]
  [ -z "$output" ] || [ "$output" -eq 3000000 ]
  [ "$(b exec c1 sh -c 'test -e /hd/zz/secret && echo there || echo absent')" = absent ]
  # The daemon and the container are fine: the same copy without the
  # unreadable file goes through.
  rm -f "$T/host/dir/zz/secret"
  b cp "$T/host/dir" c1:/again
  [ "$(b exec c1 md5sum /again/big | cut -d' ' -f1)" = "$(md5sum <"$T/host/dir/big" | cut -d' ' -f1)" ]
}

@test "cp works on a stopped container in both directions and leaves nothing mounted" {
  b run --name st bb:1 sh -c 'echo before > /kept' >/dev/null
  b cp st:/kept "$T/out/kept"
  [ "$(cat "$T/out/kept")" = before ]
  echo later >"$T/host/later"
  b cp "$T/host/later" st:/
  # The copied file is in the stopped container's layer: export has it.
  b export st | tar -xO later >"$T/out/later"
  [ "$(cat "$T/out/later")" = later ]
  [ "$(awk -v d="$T/data" '$2 ~ "^"d' /proc/mounts | wc -l)" -eq 0 ]
}

@test "cp: docker's errors for a missing path, container or directory" {
  sleeper c1
  run b cp c1:/no/such "$T/out/x"
  [ "$status" -eq 1 ]
  [ "$output" = "Error: No such container:path: c1:/no/such" ]
  run b cp nosuch:/etc "$T/out/x"
  [ "$status" -eq 1 ]
  [[ "$output" == *"No such container"* ]]
  run b cp "$T/out" "$T/out/x"
  [ "$status" -eq 1 ]
  [ "$output" = "must specify at least one container source" ]
  run api HEAD "/containers/c1/archive?path=/no/such" -I
  [[ "$output" == *"404"* ]]
  run api GET "/containers/c1/archive?path=/no/such"
  [ "$(echo "$output" | jq -r .message)" = "Could not find the file /no/such in container c1" ]
  run api PUT "/containers/c1/archive?path=/etc/passwd" --data-binary @/dev/null -w '%{http_code}'
  [[ "$output" == *"extraction point is not a directory"*400 ]]
  # HEAD: the stat header docker sends, for a symlink too.
  b exec c1 ln -s /etc/passwd /pw
  stat=$(curl -sI --unix-socket "$SOCK" "http://x/containers/c1/archive?path=/pw" |
    awk -F': ' 'tolower($1)=="x-docker-container-path-stat" {print $2}' | tr -d '\r' | base64 -d)
  [ "$(echo "$stat" | jq -r .name)" = pw ]
  [ "$(echo "$stat" | jq -r .linkTarget)" = /etc/passwd ]
  [ $(( $(echo "$stat" | jq .mode) & (1 << 27) )) -ne 0 ]
}

@test "cp: links to /, ../../.. and host paths resolve inside the container" {
  echo HOST >"$T/host/canary"
  sleeper c1
  b exec c1 sh -c "echo CONTAINER > /canary; ln -s / /toroot; ln -s ../../../.. /up; ln -s $T/host /hostlink"
  b cp c1:/toroot/canary "$T/out/a"
  [ "$(cat "$T/out/a")" = CONTAINER ]
  b cp c1:/up/canary "$T/out/b"
  [ "$(cat "$T/out/b")" = CONTAINER ]
  run b cp c1:/hostlink/canary "$T/out/c"
  [ "$status" -eq 1 ]
  [ ! -e "$T/out/c" ]
  # -L follows the last link, inside the container.
  b cp -L c1:/toroot/canary "$T/out/d"
  [ "$(cat "$T/out/d")" = CONTAINER ]
  # Writing through the links lands inside the container too.
  echo payload >"$T/host/payload"
  b cp "$T/host/payload" c1:/toroot/
  b cp "$T/host/payload" c1:/up/
  [ "$(b exec c1 cat /payload)" = payload ]
  run b cp "$T/host/payload" c1:/hostlink/
  [ "$status" -ne 0 ]
  [ "$(ls "$T/host")" = "$(printf 'canary\npayload')" ]
  [ "$(cat "$T/host/canary")" = HOST ]
}

@test "cp: a tar with ../ entries, or a link then a file through it, writes nothing outside" {
  sleeper c1
  b exec c1 mkdir /dst
  python3 - "$T/out/dotdot.tar" "$T/out/link.tar" "$T/host" <<'PY'
import io, sys, tarfile
def add(t, name, data=b"x", link=None):
    i = tarfile.TarInfo(name)
    if link:
        i.type, i.linkname = tarfile.SYMTYPE, link
        t.addfile(i)
    else:
        i.size = len(data)
        t.addfile(i, io.BytesIO(data))
with tarfile.open(sys.argv[1], "w") as t:
    add(t, "../../../../../../" + sys.argv[3].lstrip("/") + "/escaped")
with tarfile.open(sys.argv[2], "w") as t:
    add(t, "evil", link=sys.argv[3])
    add(t, "evil/pwned")
    add(t, "up", link="../../../../../..")
    add(t, "up/" + sys.argv[3].lstrip("/") + "/pwned2")
PY
  run api PUT "/containers/c1/archive?path=/dst" --data-binary @"$T/out/dotdot.tar" -w '%{http_code}'
  [[ "$output" != *200 ]]
  [ ! -e "$T/host/escaped" ]
  run api PUT "/containers/c1/archive?path=/dst" --data-binary @"$T/out/link.tar" -w '%{http_code}'
  [ ! -e "$T/host/pwned" ]
  [ ! -e "$T/host/pwned2" ]
  [ -z "$(ls -A "$T/host")" ]
  # Followed inside the container when accepted (berth may refuse such an
  # archive outright); never outside it, which the checks above hold.
  if [[ "$output" == *200 ]]; then
    [ "$(b exec c1 sh -c "find / -xdev -name 'pwned*' | wc -l")" -ge 1 ]
  fi
}

@test "cp: a directory swapped for a link to / during repeated copies never reaches the host" {
  id=${T##*-}
  echo HOST >"/berth-cp-canary-$id"
  sleeper racer
  b exec racer sh -c "mkdir -p /race/d && echo CONTAINER > /race/d/berth-cp-canary-$id"
  b exec -d racer sh -c "cd /race; while :; do mv d d.dir; ln -s / d; rm d; mv d.dir d; done"
  echo WRITTEN >"$T/host/berth-cp-written-$id"
  for i in $(seq 40); do
    rm -f "$T/out/got"
    b cp "racer:/race/d/berth-cp-canary-$id" "$T/out/got" 2>/dev/null || true
    if [ -e "$T/out/got" ]; then
      [ "$(cat "$T/out/got")" != HOST ]
    fi
    b cp "$T/host/berth-cp-written-$id" racer:/race/d/ 2>/dev/null || true
  done
  [ "$(cat "/berth-cp-canary-$id")" = HOST ]
  [ ! -e "/berth-cp-written-$id" ]
  rm -f "/berth-cp-canary-$id"
}

@test "commit: added, deleted and replaced files, --change CMD and ENV, author and comment; run the new image" {
  b run --name src bb:1 sh -c 'echo hi > /added.txt && rm /etc/group && mkdir /data && echo a > /data/a && echo b > /data/b' >/dev/null
  run b commit -a "Jane <jane@example.com>" -m "my message" -c 'CMD ["cat", "/added.txt"]' -c 'ENV FOO=bar' src new:1
  [ "$status" -eq 0 ]
  [[ "$output" == sha256:* ]]
  id=$output
  [ "$(api GET /images/new:1/json | jq -r .Id)" = "$id" ]
  [ "$(api GET /images/new:1/json | jq -r .Author)" = "Jane <jane@example.com>" ]
  [ "$(api GET /images/new:1/json | jq -r .Comment)" = "my message" ]
  [ "$(api GET /images/new:1/json | jq '.RootFS.Layers | length')" -eq 2 ]
  [ "$(api GET /images/new:1/history | jq -r '.[0].Comment')" = "my message" ]
  # The new image runs its CMD, has the ENV and the files as committed.
  [ "$(b run --rm new:1)" = hi ]
  [ "$(b run --rm new:1 sh -c 'echo $FOO')" = bar ]
  [ "$(b run --rm new:1 sh -c 'test -e /etc/group && echo there || echo gone')" = gone ]
  [ "$(b run --rm new:1 cat /etc/passwd | head -c 4)" = root ]
  # A commit of a commit: a file deleted, a directory removed and made
  # again (an opaque directory: nothing of the old one shows through).
  b run --name src2 new:1 sh -c 'rm /added.txt && rm -rf /data && mkdir /data && echo only > /data/only' >/dev/null
  b commit src2 new:2 >/dev/null
  [ "$(b run --rm new:2 sh -c 'test -e /added.txt && echo there || echo gone')" = gone ]
  [ "$(b run --rm new:2 ls /data)" = only ]
  [ "$(api GET /images/new:2/json | jq '.RootFS.Layers | length')" -eq 3 ]
  # The committed image is whole: it saves and loads as any other.
  b save new:2 | tar -t | grep -q manifest.json
}

@test "commit of a running container: paused meanwhile, still running after, a commit event" {
  t0=$(date +%s.%N)
  b run -d --name live bb:1 sh -c 'echo state > /f; exec sleep 1000' >/dev/null
  wait_for b exec live test -e /f
  run b commit live live:1
  [ "$status" -eq 0 ]
  [ "$(api GET /containers/live/json | jq -r .State.Status)" = running ]
  [ "$(b run --rm live:1 cat /f)" = state ]
  ev=$(timeout 10 curl -sS --unix-socket "$SOCK" "http://x/events?since=$t0&until=$(date +%s.%N)")
  echo "$ev" | jq -e -s 'map(select(.Type=="container" and .Action=="commit")) | length == 1'
  echo "$ev" | jq -e -s 'map(select(.Action=="pause" or .Action=="unpause")) | length == 2'
  # --pause=false commits without freezing it.
  b commit --pause=false live live:2 >/dev/null
  ev=$(timeout 10 curl -sS --unix-socket "$SOCK" "http://x/events?since=$t0&until=$(date +%s.%N)")
  echo "$ev" | jq -e -s 'map(select(.Action=="pause")) | length == 1'
}

@test "commit failures: a bad change, a missing container, a digest name; nothing is left" {
  b run --name src bb:1 true >/dev/null
  before=$(api GET /images/json | jq length)
  blobs=$(count_files blobs)
  run b commit -c 'BOGUS x' src bad:1
  [ "$status" -eq 1 ]
  [[ "$output" == *"BOGUS"* ]]
  run b commit nosuch bad:1
  [ "$status" -eq 1 ]
  [[ "$output" == *"No such container: nosuch"* ]]
  run api POST "/commit?container=src&repo=bad@sha256:$(printf '%064d' 0)" -w '%{http_code}'
  [[ "$output" == *400 ]]
  [ "$(api GET /images/json | jq length)" -eq "$before" ]
  [ "$(count_files blobs)" -eq "$blobs" ]
}
