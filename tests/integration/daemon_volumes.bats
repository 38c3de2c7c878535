#!/usr/bin/env bats
# Volumes, binds and tmpfs through berthd and the berth client, observed
# from inside the containers (content, /proc/mounts options, modes) and
# from the API: -v and --mount binds (ro, a missing source made or
# refused), --tmpfs and --mount type=tmpfs with size and mode, named
# volumes kept across containers and seeded from the image, anonymous
# volumes removed with --rm and rm -v and kept otherwise, --volumes-from,
# the local driver's tmpfs option, volume ls/inspect/rm/prune with labels
# and filters, in-use refusal, system df, and bad input that creates
# nothing.

load daemon_helpers

setup_file() {
  daemon_suite_setup vol
  # The image's /data, seeded into volumes: a file with its own owner
  # and mode, a directory, and a symlink that points out of the root.
  mkdir -p "$T/extra/data/sub"
  echo seeded >"$T/extra/data/seed.txt"
  chown 1234:5678 "$T/extra/data/seed.txt"
  chmod 640 "$T/extra/data/seed.txt"
  echo deep >"$T/extra/data/sub/deep.txt"
  ln -s /etc/shadow "$T/extra/data/escape"
  tar -C "$T/extra" --numeric-owner -rf "$T/rootfs.tar" ./data
}

teardown_file() {
  daemon_suite_teardown
}

setup() {
  rm -rf "$T/host"
  mkdir -p "$T/host"
  daemon_test_setup
  b import -c 'CMD ["sh"]' -c 'VOLUME /data' "$T/rootfs.tar" bbv:1 >/dev/null
}

teardown() {
  daemon_test_teardown
  rm -rf "$T/host"
}

# nothing_created: no container and no volume exist.
nothing_created() {
  [ -z "$(b ps -aq)" ]
  [ -z "$(b volume ls -q)" ]
}

@test "-v binds a host directory, read-write or ro; a missing source is made" {
  echo hello >"$T/host/f"
  run b run --rm -v "$T/host:/h" bb:1 sh -c 'cat /h/f; echo new >/h/g'
  [ "$status" -eq 0 ]
  [ "$output" = hello ]
  [ "$(cat "$T/host/g")" = new ]
  run b run --rm -v "$T/host:/h:ro" bb:1 sh -c 'grep " /h " /proc/mounts; echo x >/h/z'
  [ "$status" -ne 0 ]
  [[ "$output" == *" /h "*"ro,"* || "$output" == *" /h "*" ro"* ]]
  [[ "$output" == *"Read-only file system"* ]]
  [ ! -e "$T/host/z" ]
  # docker makes a missing -v source as a directory.
  run b run --rm -v "$T/host/made/deeper:/m" bb:1 sh -c 'touch /m/ok'
  [ "$status" -eq 0 ]
  [ -f "$T/host/made/deeper/ok" ]
  # --mount type=bind works the same when the source exists.
  run b run --rm --mount "type=bind,source=$T/host,target=/mm,readonly" bb:1 cat /mm/f
  [ "$status" -eq 0 ]
  [ "$output" = hello ]
}

@test "inspect shows Mounts in docker's shape" {
  b create --name insp -v "$T/host:/h:ro" -v named1:/n --tmpfs /t bbv:1 >/dev/null
  m=$(api GET /containers/insp/json | jq -c '.Mounts')
  echo "$m" | jq -e --arg s "$T/host" \
    '.[] | select(.Destination == "/h") | .Type == "bind" and .Source == $s and .RW == false and .Mode == "ro" and .Propagation == "rprivate"'
  echo "$m" | jq -e --arg d "$T/data" \
    '.[] | select(.Destination == "/n") | .Type == "volume" and .Name == "named1" and .Driver == "local" and .Source == ($d + "/volumes/named1/_data") and .RW == true'
  echo "$m" | jq -e '.[] | select(.Destination == "/data") | .Type == "volume" and (.Name | length) == 64'
  api GET /containers/insp/json | jq -e '.HostConfig.Binds | length == 2'
  # The volumes exist from create on (docker makes them at create): the
  # named one and the image's anonymous one, both in use by insp.
  anon=$(echo "$m" | jq -r '.[] | select(.Destination == "/data") | .Name')
  b volume inspect named1 "$anon" >/dev/null
  [ -d "$T/data/volumes/named1/_data" ]
  run b volume rm named1
  [ "$status" -ne 0 ]
  [[ "$output" == *"volume is in use"* ]]
}

@test "--tmpfs and --mount type=tmpfs: size and mode seen inside" {
  run b run --rm --tmpfs /t1:size=1m,mode=1777 --mount type=tmpfs,target=/t2,tmpfs-size=2m,tmpfs-mode=700 \
    bb:1 sh -c 'grep -E " /t[12] " /proc/mounts; stat -c "%n %a" /t1 /t2'
  [ "$status" -eq 0 ]
  [[ "$output" == *"tmpfs /t1 tmpfs "*"size=1024k"* ]]
  [[ "$output" == *"tmpfs /t2 tmpfs "*"size=2048k"* ]]
  [[ "$output" == *"/t1 1777"* ]]
  [[ "$output" == *"/t2 700"* ]]
  # docker's defaults for tmpfs: noexec,nosuid,nodev.
  [[ "$output" == *"/t1 tmpfs rw,nosuid,nodev,noexec"* ]]
}

@test "a named volume is made on first use, seeded from the image, and outlives the container" {
  run b run --rm -v vol1:/data bb:1 sh -c 'cat /data/seed.txt; stat -c "%u:%g %a" /data/seed.txt; readlink /data/escape; cat /data/sub/deep.txt'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = seeded ]
  [ "${lines[1]}" = "1234:5678 640" ]
  [ "${lines[2]}" = /etc/shadow ]  # copied as a symlink, never followed
  [ "${lines[3]}" = deep ]
  [ -L "$T/data/volumes/vol1/_data/escape" ]
  b run --rm -v vol1:/data bb:1 sh -c 'echo kept >/data/mine'
  run b run --rm -v vol1:/elsewhere bb:1 cat /elsewhere/mine
  [ "$status" -eq 0 ]
  [ "$output" = kept ]
  [ "$(b volume ls -q)" = vol1 ]
  # nocopy: an empty new volume stays empty.
  run b run --rm -v vol2:/data:nocopy bb:1 ls /data
  [ "$status" -eq 0 ]
  [ -z "$output" ]
}

@test "anonymous volumes: kept by rm, removed by rm -v and --rm" {
  b run --name keep bbv:1 sh -c 'echo x >/data/new' >/dev/null
  name=$(api GET /containers/keep/json | jq -r '.Mounts[0].Name')
  [ ${#name} -eq 64 ]
  [ "$(b volume ls -q)" = "$name" ]
  [ -f "$T/data/volumes/$name/_data/new" ]
  [ -f "$T/data/volumes/$name/_data/seed.txt" ]
  # In use by a stopped container: not removable.
  run b volume rm "$name"
  [ "$status" -eq 1 ]
  [[ "$output" == *"remove $name: volume is in use - ["*"]"* ]]
  b rm keep >/dev/null
  [ "$(b volume ls -q)" = "$name" ]
  b volume rm "$name" >/dev/null
  b run --name gone bbv:1 true >/dev/null
  b rm -v gone >/dev/null
  [ -z "$(b volume ls -q)" ]
  b run --rm bbv:1 sh -c 'echo x >/data/y' >/dev/null
  [ -z "$(b volume ls -q)" ]
  [ -z "$(ls "$T/data/volumes")" ]
  # -v /path alone is an anonymous volume too; --rm keeps named ones.
  b run --rm -v /anon -v named:/n bb:1 true
  [ "$(b volume ls -q)" = named ]
}

@test "--volumes-from mounts another container's volumes and binds, ro on request" {
  b create --name src -v shared:/s -v "$T/host:/h" bb:1 >/dev/null
  run b run --rm --volumes-from src bb:1 sh -c 'echo from >/s/f; echo b >/h/b; grep -c " /s " /proc/mounts'
  [ "$status" -eq 0 ]
  [ "$(cat "$T/data/volumes/shared/_data/f")" = from ]
  [ "$(cat "$T/host/b")" = b ]
  run b run --rm --volumes-from src:ro bb:1 sh -c 'echo y >/s/g'
  [ "$status" -ne 0 ]
  [[ "$output" == *"Read-only file system"* ]]
  run b run --rm --volumes-from nosuch bb:1 true
  [ "$status" -ne 0 ]
  [[ "$output" == *"No such container: nosuch"* ]]
  # inspect's Mounts lists what it takes from src.
  b create --name vf2 --volumes-from src:ro bb:1 >/dev/null
  api GET /containers/vf2/json | jq -e '.Mounts[] | select(.Destination == "/s") | .Name == "shared" and .RW == false'
  api GET /containers/vf2/json | jq -e --arg h "$T/host" '.Mounts[] | select(.Destination == "/h") | .Source == $h'
  # Refused at create, as docker does: no container is left.
  run b create --name vf --volumes-from nosuch bb:1 true
  [ "$status" -ne 0 ]
  [[ "$output" == *"No such container: nosuch"* ]]
  run b inspect vf
  [ "$status" -ne 0 ]
}

@test "the local driver's tmpfs option: mounted for its containers, unmounted when unused" {
  b volume create -o type=tmpfs -o device=tmpfs -o o=size=10m tv >/dev/null
  b run -d --name user1 -v tv:/m bb:1 sleep 100 >/dev/null
  run b exec user1 sh -c 'grep " /m " /proc/mounts; echo in >/m/f'
  [ "$status" -eq 0 ]
  [[ "$output" == "tmpfs /m tmpfs "*"size=10240k"* ]]
  grep -q " $T/data/volumes/tv/_data tmpfs " /proc/mounts
  b rm -f user1 >/dev/null
  run grep -q " $T/data/volumes/tv/_data " /proc/mounts
  [ "$status" -eq 1 ]
  # Unmounted when its last user exits too, though that container remains.
  b run --name user2 -v tv:/m bb:1 sh -c 'grep -c " /m " /proc/mounts' >/dev/null
  run grep -q " $T/data/volumes/tv/_data " /proc/mounts
  [ "$status" -eq 1 ]
  b rm user2 >/dev/null
  b volume inspect tv | jq -e '.[0].Options == {"type": "tmpfs", "device": "tmpfs", "o": "size=10m"}'
  b volume rm tv
}

@test "volume create, ls, inspect, rm, prune with labels and filters" {
  [ "$(b volume create --label env=prod --label tier one)" = one ]
  [ "$(b volume create two)" = two ]
  anon=$(b volume create)
  [ ${#anon} -eq 64 ]
  run b volume ls
  [ "${lines[0]}" = "DRIVER    VOLUME NAME" ]
  [[ "$output" == *"local     one"* ]]
  [ "$(b volume ls -q --filter label=env=prod)" = one ]
  [ "$(b volume ls -q --filter label=tier)" = one ]
  [ "$(b volume ls -q --filter name=tw)" = two ]
  [ "$(b volume ls --format '{{.Name}}:{{.Driver}}' --filter name=one)" = one:local ]
  b create --name holder -v two:/t bb:1 >/dev/null
  [ "$(b volume ls -q --filter dangling=false)" = two ]
  [ "$(b volume ls -q --filter dangling=true | wc -l)" -eq 2 ]
  b volume inspect one | jq -e --arg d "$T/data" \
    '.[0] | .Name == "one" and .Driver == "local" and .Scope == "local" and .Labels == {"env": "prod", "tier": ""} and .Mountpoint == ($d + "/volumes/one/_data") and (.CreatedAt | length > 18)'
  [ "$(b volume inspect -f '{{.Name}}' two)" = two ]
  run b volume inspect nosuch
  [ "$status" -eq 1 ]
  [ "$output" = "[]"$'\n'"Error response from daemon: get nosuch: no such volume" ]
  # prune (API 1.47): only anonymous volumes, unless --all; label filters.
  run b volume prune -f
  [ "$status" -eq 0 ]
  [[ "$output" == *"Deleted Volumes:"*"$anon"* ]]
  [ "$(b volume ls -q | wc -l)" -eq 2 ]
  b volume prune -f --all --filter label=env=nope >/dev/null
  [ "$(b volume ls -q | wc -l)" -eq 2 ]
  b volume prune -f --all >/dev/null
  [ "$(b volume ls -q)" = two ]  # in use by holder
  run b volume rm two
  [ "$status" -eq 1 ]
  [[ "$output" == *"volume is in use"* ]]
  b rm holder >/dev/null
  [ "$(b volume rm two)" = two ]
  run b volume rm two
  [ "$status" -eq 1 ]
  [ "$output" = "Error response from daemon: get two: no such volume" ]
  b volume rm -f two
}

@test "system df counts images, containers and volumes with sizes" {
  b run --name dfc -v dfv:/data bb:1 true >/dev/null
  run b system df
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE" ]
  [[ "${lines[1]}" == "Images          2         1 "* ]]
  [[ "${lines[2]}" == "Containers      1         0 "* ]]
  [[ "${lines[3]}" == "Local Volumes   1         1 "* ]]
  api GET /system/df | jq -e '.Volumes[0].Name == "dfv" and .Volumes[0].UsageData.Size > 0 and .Volumes[0].UsageData.RefCount == 1 and .BuildCache == []'
  run b system df -v
  [[ "$output" == *"Local Volumes space usage:"*"dfv"* ]]
}

@test "bad input: one-line error, exit 125, nothing created" {
  run b run -v foo/bar:/x bb:1 true
  [ "$status" -eq 125 ]
  [[ "${lines[0]}" == *'create foo/bar: "foo/bar" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path'* ]]
  nothing_created
  run b run --mount "type=bind,source=$T/host/missing,target=/x" bb:1 true
  [ "$status" -eq 125 ]
  [[ "${lines[0]}" == *"invalid mount config for type \"bind\": bind source path does not exist: $T/host/missing"* ]]
  [ ! -e "$T/host/missing" ]
  nothing_created
  run b run -v "$T/host:rel" bb:1 true
  [ "$status" -eq 125 ]
  [[ "${lines[0]}" == *"invalid mount path: 'rel' mount path must be absolute"* ]]
  nothing_created
  run b run --tmpfs rel bb:1 true
  [ "$status" -eq 125 ]
  nothing_created
  run b run -v "$T/host:/x" -v vv:/x bb:1 true
  [ "$status" -eq 125 ]
  [[ "${lines[0]}" == *"Duplicate mount point: /x"* ]]
  nothing_created
  # A symlink to nowhere as a -v source: docker's mkdir -p fails on it.
  ln -s "$T/host/nowhere" "$T/host/dangling"
  run b run -v "$T/host/dangling:/x" bb:1 true
  [ "$status" -eq 125 ]
  [[ "${lines[0]}" == *"error while creating mount source path '$T/host/dangling'"* ]]
  [ ! -e "$T/host/nowhere" ]
  nothing_created
  run b volume create a/b
  [ "$status" -eq 1 ]
  [[ "$output" == *'"a/b" includes invalid characters for a local volume name'* ]]
  run b volume create -o bogus=1 v1
  [ "$status" -eq 1 ]
  [[ "$output" == *'invalid option: "bogus"'* ]]
  nothing_created
  [ -z "$(ls "$T/data/volumes")" ]
}
