#!/usr/bin/env bats
# The real docker CLI against berthd: docker cp both ways (files,
# directories, "/.", "-" tar streams, a stopped container, docker's
# errors, links that point out of the container) and docker commit
# (--change, --author, --message, pause), then docker run of the result.

load ../integration/daemon_helpers

setup_file() {
  daemon_suite_setup dcp docker
}

teardown_file() {
  daemon_suite_teardown
}

setup() {
  rm -rf "$T/out" "$T/host"
  mkdir -p "$T/out" "$T/host"
  docker_test_setup -c 'CMD ["sh"]'
}

teardown() {
  daemon_test_teardown
  rm -rf "$T/out" "$T/host"
}

@test "docker cp out of a container: file, directory, /. contents, - tar, stopped container" {
  docker run -d --name c1 bb:1 sleep 1000 >/dev/null
  docker exec c1 sh -c 'mkdir -p /data/sub && echo one > /data/a && echo two > /data/sub/b'
  docker cp c1:/data/a "$T/out/a"
  [ "$(cat "$T/out/a")" = one ]
  docker cp c1:/data "$T/out"
  [ "$(cat "$T/out/data/sub/b")" = two ]
  docker cp c1:/data "$T/out/renamed"
  [ "$(cat "$T/out/renamed/sub/b")" = two ]
  mkdir "$T/out/contents"
  docker cp c1:/data/. "$T/out/contents"
  [ "$(cat "$T/out/contents/a")" = one ]
  run sh -c "docker cp c1:/data/a - | tar -xO"
  [ "$output" = one ]
  docker run --name st bb:1 sh -c 'echo stopped > /s' >/dev/null
  docker cp st:/s "$T/out/s"
  [ "$(cat "$T/out/s")" = stopped ]
}

@test "docker cp into a container: file, directory, new name, - tar, stopped container" {
  docker run -d --name c1 bb:1 sleep 1000 >/dev/null
  echo hello >"$T/host/f"
  mkdir -p "$T/host/dir/in" && echo deep >"$T/host/dir/in/x"
  docker cp "$T/host/f" c1:/tmp
  [ "$(docker exec c1 cat /tmp/f)" = hello ]
  docker cp "$T/host/f" c1:/tmp/g
  [ "$(docker exec c1 cat /tmp/g)" = hello ]
  docker cp "$T/host/dir" c1:/
  [ "$(docker exec c1 cat /dir/in/x)" = deep ]
  docker cp "$T/host/dir/." c1:/tmp
  [ "$(docker exec c1 cat /tmp/in/x)" = deep ]
  (cd "$T/host" && tar -cf - f) | docker cp - c1:/etc
  [ "$(docker exec c1 cat /etc/f)" = hello ]
  docker create --name st bb:1 cat /f >/dev/null
  docker cp "$T/host/f" st:/
  [ "$(docker start -a st)" = hello ]
}

@test "docker cp: docker's errors, and links resolve inside the container" {
  echo HOST >"$T/host/canary"
  docker run -d --name c1 bb:1 sleep 1000 >/dev/null
  run docker cp c1:/no/such "$T/out/x"
  [ "$status" -eq 1 ]
  # docker 23+ prints the daemon's message, docker 20.10 its own.
  [[ "$output" == *"Could not find the file /no/such in container c1"* ||
    "$output" == *"No such container:path: c1:/no/such"* ]]
  run docker cp "$T/host/canary" c1:/no/such/dir/
  [ "$status" -eq 1 ]
  docker exec c1 sh -c "echo CONTAINER > /canary; ln -s / /toroot; ln -s ../../../.. /up; ln -s $T/host /hostlink"
  docker cp c1:/toroot/canary "$T/out/a"
  [ "$(cat "$T/out/a")" = CONTAINER ]
  docker cp -L c1:/up/canary "$T/out/b"
  [ "$(cat "$T/out/b")" = CONTAINER ]
  run docker cp c1:/hostlink/canary "$T/out/c"
  [ "$status" -eq 1 ]
  echo payload >"$T/host/payload"
  docker cp "$T/host/payload" c1:/up/
  [ "$(docker exec c1 cat /payload)" = payload ]
  [ "$(cat "$T/host/canary")" = HOST ]
  [ "$(ls "$T/host")" = "$(printf 'canary\npayload')" ]
}

@test "docker commit: --change, --author, --message; docker run of the new image; pause" {
  docker run --name src bb:1 sh -c 'echo hi > /added && rm /etc/group' >/dev/null
  id=$(docker commit -a "Jane" -m "msg" -c 'CMD ["cat", "/added"]' -c 'ENV FOO=bar' src new:1)
  [[ "$id" == sha256:* ]]
  [ "$(docker run --rm new:1)" = hi ]
  [ "$(docker run --rm new:1 sh -c 'echo $FOO; test -e /etc/group || echo gone')" = "$(printf 'bar\ngone')" ]
  [ "$(docker inspect -f '{{.Author}}|{{.Comment}}' new:1)" = "Jane|msg" ]
  run docker history --no-trunc --format '{{.Comment}}' new:1
  [[ "${lines[0]}" == msg ]]
  docker run -d --name live bb:1 sh -c 'echo live > /f; exec sleep 1000' >/dev/null
  wait_for docker exec live test -e /f
  docker commit live live:1 >/dev/null
  [ "$(docker inspect -f '{{.State.Status}}' live)" = running ]
  [ "$(docker run --rm live:1 cat /f)" = live ]
  run docker commit nosuch x:1
  [ "$status" -eq 1 ]
  [[ "$output" == *"No such container: nosuch"* ]]
}
