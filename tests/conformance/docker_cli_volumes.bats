#!/usr/bin/env bats
# The real docker CLI against berthd, storage: -v binds and named volumes
# kept across containers, --mount and --tmpfs seen from inside, anonymous
# volumes with --rm and rm -v, --volumes-from, docker volume
# create/ls/inspect/rm/prune with labels and filters, the local driver's
# tmpfs option, system df, and the refusals of bad input (exit 125,
# nothing created). The image is a busybox rootfs imported with
# `docker import`.

load ../integration/daemon_helpers

setup_file() {
  daemon_suite_setup dkv docker
  mkdir -p "$T/extra/data"
  echo seeded >"$T/extra/data/seed.txt"
  tar -C "$T/extra" --numeric-owner -rf "$T/rootfs.tar" ./data
}

teardown_file() {
  daemon_suite_teardown
}

setup() {
  rm -rf "$T/host"
  mkdir -p "$T/host"
  docker_test_setup
  docker import -c 'VOLUME /data' "$T/rootfs.tar" bbv:1 >/dev/null
}

teardown() {
  daemon_test_teardown
  rm -rf "$T/host"
}

@test "docker run -v: binds, ro, and a named volume seeded and kept" {
  echo hi >"$T/host/f"
  run docker run --rm -v "$T/host:/h:ro" bb:1 sh -c 'cat /h/f; touch /h/x'
  [ "$status" -ne 0 ]
  [[ "$output" == hi*"Read-only file system"* ]]
  run docker run --rm -v vol1:/data bb:1 sh -c 'cat /data/seed.txt; echo mine >/data/m'
  [ "$status" -eq 0 ]
  [ "$output" = seeded ]
  run docker run --rm -v vol1:/v bb:1 cat /v/m
  [ "$output" = mine ]
  [ "$(docker volume ls -q)" = vol1 ]
  docker volume inspect vol1 | jq -e --arg d "$T/data" '.[0].Mountpoint == ($d + "/volumes/vol1/_data")'
}

@test "docker run --mount and --tmpfs" {
  run docker run --rm --mount "type=bind,src=$T/host,dst=/b" \
    --mount type=tmpfs,dst=/t,tmpfs-size=1m --tmpfs /u:mode=1777 \
    bb:1 sh -c 'touch /b/made; grep " /t " /proc/mounts; stat -c %a /u'
  [ "$status" -eq 0 ]
  [ -f "$T/host/made" ]
  [[ "${lines[0]}" == "tmpfs /t tmpfs "*"size=1024k"* ]]
  [ "${lines[1]}" = 1777 ]
}

@test "docker anonymous volumes: --rm and rm -v remove them, rm keeps them" {
  docker run --rm bbv:1 true
  [ -z "$(docker volume ls -q)" ]
  docker run --name c1 bbv:1 true >/dev/null
  name=$(docker inspect -f '{{(index .Mounts 0).Name}}' c1)
  [ "$(docker volume ls -q)" = "$name" ]
  docker rm c1 >/dev/null
  [ "$(docker volume ls -q)" = "$name" ]
  docker volume rm "$name" >/dev/null
  docker run --name c2 bbv:1 true >/dev/null
  docker rm -v c2 >/dev/null
  [ -z "$(docker volume ls -q)" ]
}

@test "docker --volumes-from" {
  docker create --name src -v shared:/s bb:1 true >/dev/null
  docker run --rm --volumes-from src bb:1 sh -c 'echo x >/s/f'
  [ "$(cat "$T/data/volumes/shared/_data/f")" = x ]
  run docker run --rm --volumes-from src:ro bb:1 touch /s/g
  [ "$status" -ne 0 ]
}

@test "docker volume create, ls, inspect, rm, prune, in-use refusal" {
  [ "$(docker volume create --label a=b lab)" = lab ]
  docker volume create -o type=tmpfs -o device=tmpfs -o o=size=10m tv >/dev/null
  [ "$(docker volume ls -q --filter label=a=b)" = lab ]
  [ "$(docker volume ls --format '{{.Name}} {{.Driver}}' --filter name=lab)" = "lab local" ]
  [ "$(docker volume inspect -f '{{.Labels.a}}' lab)" = b ]
  run docker run --rm -v tv:/m bb:1 grep " /m " /proc/mounts
  [[ "$output" == "tmpfs /m tmpfs "*"size=10240k"* ]]
  docker create --name holder -v lab:/l bb:1 true >/dev/null
  run docker volume rm lab
  [ "$status" -eq 1 ]
  [[ "$output" == *"volume is in use"* ]]
  # prune: an unused anonymous volume always goes; an unused named one
  # (spare, tv) too on API 1.41 (docker 20.10's CLI), only with -a from API
  # 1.42 on (docker 23+). The one in use stays.
  docker volume create spare >/dev/null
  docker run --name anon -v /a bb:1 true
  anon=$(docker inspect -f '{{range .Mounts}}{{.Name}}{{end}}' anon)
  docker rm anon >/dev/null
  run docker volume prune -f
  [ "$status" -eq 0 ]
  [[ "$output" == *"$anon"* ]]
  api=$(docker version --format '{{.Client.APIVersion}}')
  if [ "$(printf '%s\n1.42\n' "$api" | sort -V | head -1)" = 1.42 ]; then
    [[ "$output" != *spare* ]]
    run docker volume prune -f -a
    [ "$status" -eq 0 ]
  fi
  [[ "$output" == *spare* ]]
  [[ "$output" == *tv* ]]
  [ "$(docker volume ls -q)" = lab ]
  docker rm holder >/dev/null
  docker volume rm lab >/dev/null
  run docker volume inspect lab
  [ "$status" -eq 1 ]
  # docker 23+ prints the daemon's "get lab: no such volume", docker 20.10
  # its own "No such volume: lab".
  [[ "${output,,}" == *"no such volume"* ]]
  [[ "$output" == *lab* ]]
  run docker system df
  [ "$status" -eq 0 ]
  [[ "$output" =~ "Local Volumes"\ +0\ +0 ]]
}

@test "docker run refusals: slash in a name, missing --mount source, relative target" {
  run docker run -v foo/bar:/x bb:1 true
  [ "$status" -eq 125 ]
  [[ "$output" == *'"foo/bar" includes invalid characters for a local volume name'* ]]
  run docker run --mount "type=bind,source=$T/host/none,target=/x" bb:1 true
  [ "$status" -eq 125 ]
  [[ "$output" == *"bind source path does not exist: $T/host/none"* ]]
  run docker run -v "$T/host:rel" bb:1 true
  [ "$status" -eq 125 ]
  [ -z "$(docker ps -aq)" ]
  [ -z "$(docker volume ls -q)" ]
}
