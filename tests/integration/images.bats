#!/usr/bin/env bats
# berthd's image endpoints and the berth client's image commands, against a
# real docker-registry on loopback: pull (layers unpacked, shared, verified),
# images, inspect, history, tag, rmi with GC, and a daemon killed mid-pull.

load daemon_helpers

setup_file() {
  [ "$(id -u)" -eq 0 ] || skip "daemon tests need root"
  T=$(mktemp -d /tmp/berth-images-XXXXXX)
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
  stop_berthd
  rm -rf "$T/data" "$T/run"
}

@test "pull unpacks every layer into shared snapshots and records the image" {
  run b pull "$REG/test/app"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Pulling from test/app"* ]]
  [[ "$output" == *"Pull complete"* ]]
  [[ "$output" == *"Status: Downloaded newer image for $REG/test/app:latest"* ]]
  [ "${lines[-1]}" = "$REG/test/app:latest" ]
  # Two layers, each one directory; the app layer has its file and a
  # whiteout (0/0 character device) for the deleted /etc/group.
  [ "$(ls "$DATA/snapshots/layers" | wc -l)" -eq 2 ]
  hello=$(find "$DATA/snapshots/layers" -path '*/fs/app/hello')
  [ "$(cat "$hello")" = "hello from the app layer" ]
  wh=$(find "$DATA/snapshots/layers" -path '*/fs/etc/group' -type c)
  [ "$(stat -c %t:%T "$wh")" = "0:0" ]
  bb=$(find "$DATA/snapshots/layers" -path '*/fs/bin/busybox' -type f)
  cmp "$bb" "$(command -v busybox)"
  # The stored blobs are the registry's, byte for byte.
  for blob in "$DATA"/blobs/sha256/*; do
    [ "sha256:$(sha256sum "$blob" | cut -c1-64)" = "sha256:$(basename "$blob")" ]
  done
  # base shares app's first layer: pulling it adds no layer directory.
  run b pull "$REG/test/base"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Already exists"* ]]
  [ "$(ls "$DATA/snapshots/layers" | wc -l)" -eq 2 ]
}

@test "a second pull of the same image is up to date and writes nothing" {
  b pull -q "$REG/test/base"
  before=$(find "$DATA/blobs" "$DATA/snapshots" -newer "$DATA/berth.db" | wc -l)
  run b pull "$REG/test/base"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Status: Image is up to date for $REG/test/base:latest"* ]]
  [ "$(ls "$DATA/snapshots/layers" | wc -l)" -eq 1 ]
}

@test "images, inspect and history show what the image config says" {
  b pull -q "$REG/test/app"
  run b images
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE$ ]]
  [[ "${lines[1]}" =~ ^$REG/test/app\ +latest\ +[0-9a-f]{12}\ + ]]
  id=$(b inspect -f '{{.Id}}' "$REG/test/app")
  [[ "$id" =~ ^sha256:[0-9a-f]{64}$ ]]
  [ "$(b images -q)" = "${id:7:12}" ]
  [ "$(b inspect -f '{{.Config.Env}}' "$REG/test/app")" = "[GREETING=hi]" ]
  [ "$(b inspect -f '{{.Config.WorkingDir}}' "$REG/test/app")" = "/app" ]
  [ "$(b inspect -f '{{json .Config.Cmd}}' "$REG/test/app")" = '["cat","/app/hello"]' ]
  [ "$(b inspect -f '{{.RootFS.Layers}}' "$REG/test/app" | wc -w)" -eq 2 ]
  # The config blob's digest is the image ID.
  [ "$(sha256sum "$DATA/blobs/sha256/${id:7}" | cut -c1-64)" = "${id:7}" ]
  [ "$(b images --filter label=org.berth.test=app -q)" = "${id:7:12}" ]
  [ -z "$(b images --filter label=org.berth.test=other -q)" ]
  run b history "$REG/test/app"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" =~ ^IMAGE\ +CREATED\ +CREATED\ BY\ +SIZE\ +COMMENT$ ]]
  [[ "${lines[1]}" == "${id:7:12}"* ]]
}

@test "tag adds a name; rmi untags first, deletes with the last name, then collects" {
  b pull -q "$REG/test/app"
  b tag "$REG/test/app" mine/app:v1
  run b images --format '{{.Repository}}:{{.Tag}}'
  [[ "$output" == *"mine/app:v1"* ]]
  run b rmi mine/app:v1
  [ "$status" -eq 0 ]
  [ "$output" = "Untagged: mine/app:v1" ]
  # manifest, config and two layers
  [ "$(count_files blobs)" -eq 4 ]
  run b rmi "$REG/test/app"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Untagged: $REG/test/app:latest"* ]]
  [[ "$output" == *"Deleted: sha256:"* ]]
  # Nothing of the image remains: blobs, layer dirs, records.
  [ "$(count_files blobs)" -eq 0 ]
  [ "$(ls "$DATA/snapshots/layers" | wc -l)" -eq 0 ]
  [ -z "$(b images -q)" ]
}

@test "removing one image keeps the layers another image shares" {
  b pull -q "$REG/test/app"
  b pull -q "$REG/test/base"
  b rmi "$REG/test/app"
  [ "$(ls "$DATA/snapshots/layers" | wc -l)" -eq 1 ]
  [ -n "$(find "$DATA/snapshots/layers" -path '*/fs/bin/busybox')" ]
  [ -z "$(find "$DATA/snapshots/layers" -path '*/fs/app/hello')" ]
}

@test "bad names and missing images get docker's one-line errors" {
  run b pull "$REG/test/nope"
  echo "$output"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == "Error response from daemon: "*"test/nope"*"not found"* ]]
  run b pull "test/UPPER"
  [ "$status" -eq 1 ]
  [[ "$output" == *"invalid reference format: repository name must be lowercase"* ]]
  run b rmi nothere
  [ "$status" -eq 1 ]
  [ "$output" = "Error: No such image: nothere:latest" ]
  # As docker: an empty list on stdout, the error on stderr.
  run b inspect nothere
  [ "$status" -eq 1 ]
  [ "${lines[-1]}" = "Error: No such object: nothere" ]  # plain inspect: containers, then images (docker's wording)
  # Nothing was recorded or left in ingest.
  [ -z "$(b images -q)" ]
  [ "$(count_files ingest)" -eq 0 ]
}

@test "a blob whose content does not match its digest is never stored" {
  b pull -q "$REG/test/base"
  layer=$(b inspect -f '{{json .RootFS.Layers}}' "$REG/test/base")
  b rmi -f "$REG/test/base"
  # Corrupt the registry's copy of the layer blob (same size).
  mf=$(curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$REG/v2/test/base/manifests/latest")
  blob=$(echo "$mf" | jq -r '.layers[0].digest')
  data=$(find "$T/registry" -path "*/blobs/sha256/*/${blob:7}/data")
  cp "$data" "$T/good-blob"
  printf 'XXXX' | dd of="$data" bs=1 seek=100 conv=notrunc 2>/dev/null
  run b pull "$REG/test/base"
  cp "$T/good-blob" "$data"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "${lines[-1]}" == *"blob $blob: digest mismatch (got sha256:"* ]]
  [ -z "$(b images -q)" ]
  [ ! -e "$DATA/blobs/sha256/${blob:7}" ]
  [ "$(ls "$DATA/snapshots/layers" | wc -l)" -eq 0 ]
  [ "$(ls "$DATA/snapshots/staging" | wc -l)" -eq 0 ]
  [ "$(count_files ingest)" -eq 0 ]
}

@test "a daemon killed during a pull restarts consistent and the pull then succeeds" {
  # Killed at its first progress line: the layers may be anywhere between
  # not started and committed, the image not yet recorded or just recorded.
  ( b pull "$REG/test/app" >"$T/pull.out" 2>&1 & )
  wait_for grep -q "Pulling fs layer" "$T/pull.out"
  kill -9 "$(cat "$T/berthd.pid")"
  wait_gone "$(cat "$T/berthd.pid")"
  rm -f "$T/berthd.pid"
  start_berthd
  # No temp file, no half-unpacked layer; an image recorded is whole.
  [ "$(count_files ingest)" -eq 0 ]
  [ "$(ls "$DATA/snapshots/staging" | wc -l)" -eq 0 ]
  for id in $(b images -q); do
    b inspect "$id" >/dev/null
  done
  # Content of the dead pull that no image records was collected at start.
  if [ -z "$(b images -q)" ]; then
    [ "$(count_files blobs)" -eq 0 ]
    [ "$(ls "$DATA/snapshots/layers" | wc -l)" -eq 0 ]
  fi
  run b pull "$REG/test/app"
  [ "$status" -eq 0 ]
  [ -n "$(find "$DATA/snapshots/layers" -path '*/fs/app/hello')" ]
  [ "$(count_files blobs)" -eq 4 ]
}

@test "the API negotiates versions and answers /_ping, /version and /info as docker does" {
  run curl -sS -i --unix-socket "$SOCK" http://x/_ping
  [[ "$output" == *"Api-Version: 1.47"* ]]
  [[ "$output" == *"Ostype: linux"* ]]
  [[ "${lines[-1]}" == "OK" ]]
  run curl -sS -I --unix-socket "$SOCK" http://x/_ping
  [[ "$output" == *"HTTP/1.1 200 OK"* ]]
  run curl -sS -w '%{http_code}' --unix-socket "$SOCK" http://x/v1.40/version
  [[ "$output" == *'client version 1.40 is too old. Minimum supported API version is 1.41'*'400' ]]
  [ "$(api GET /v1.41/version | jq -r .ApiVersion)" = 1.47 ]
  [ "$(api GET /v1.41/version | jq -r .MinAPIVersion)" = 1.41 ]
  [ "$(api GET /info | jq -r .DockerRootDir)" = "$DATA" ]
  [ "$(api GET /info | jq -r .NCPU)" = "$(nproc)" ]
  run curl -sS -w '%{http_code}' --unix-socket "$SOCK" http://x/v1.47/nope
  [ "$output" = '{"message":"page not found"}
404' ]
  # The socket is 0660.
  [ "$(stat -c %a "$SOCK")" = 660 ]
}

@test "a second berthd on the same data root is refused and the first keeps serving" {
  run "$BERTHD" --config-file /dev/null --data-root "$DATA" --exec-root "$T/run2" \
    -H "unix://$T/other.sock"
  [ "$status" -eq 1 ]
  [ "$output" = "berthd: data root $DATA is in use by another berthd" ]
  [ ! -e "$T/other.sock" ]
  curl -sf --unix-socket "$SOCK" http://x/_ping
}

@test "save writes an archive that loads into an empty daemon with the same ID and tags" {
  b pull -q "$REG/test/app"
  id=$(b inspect -f '{{.Id}}' "$REG/test/app")
  b tag "$REG/test/app" saved/app:v1
  b save -o "$T/app.tar" saved/app:v1
  # docker-archive and OCI layout in one tar; skopeo reads both.
  tar -tf "$T/app.tar" | grep -qx manifest.json
  tar -tf "$T/app.tar" | grep -qx index.json
  [ "$(tar -xOf "$T/app.tar" manifest.json | jq -r '.[0].RepoTags[0]')" = "saved/app:v1" ]
  skopeo inspect --raw "docker-archive:$T/app.tar" | jq -e .layers >/dev/null
  skopeo inspect --raw "oci-archive:$T/app.tar" | jq -e .layers >/dev/null
  # A fresh daemon: nothing but what the archive brings.
  stop_berthd
  rm -rf "$DATA"
  start_berthd
  run b load -i "$T/app.tar"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: saved/app:v1" ]
  [ "$(b inspect -f '{{.Id}}' saved/app:v1)" = "$id" ]
  [ -n "$(find "$DATA/snapshots/layers" -path '*/fs/app/hello')" ]
  # Through stdin, and a save to stdout, as pipes.
  b save saved/app:v1 | cmp - "$T/app.tar"
  b rmi saved/app:v1
  b load <"$T/app.tar"
  [ "$(b images -q)" = "${id:7:12}" ]
}

@test "a broken archive loads nothing and leaves nothing" {
  b pull -q "$REG/test/base"
  b save -o "$T/base.tar" "$REG/test/base"
  b rmi "$REG/test/base"
  head -c 20000 "$T/base.tar" >"$T/cut.tar"
  run b load -i "$T/cut.tar"
  echo "$output"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"load: "* ]]
  [ -z "$(b images -q)" ]
  [ "$(count_files blobs)" -eq 0 ]
  [ "$(count_files ingest)" -eq 0 ]
  # save of an unknown image: an error, and no file.
  run b save -o "$T/none.tar" nothere
  [ "$status" -eq 1 ]
  [[ "$output" == *"No such image: nothere"* ]]
  [ ! -e "$T/none.tar" ]
  [ -z "$(ls "$T" | grep berth-save-tmp)" ]
}

@test "push uploads to a registry, skips what it has, mounts across repositories" {
  b pull -q "$REG/test/app"
  b tag "$REG/test/app" "$REG/pushed/app:v1"
  run b push "$REG/pushed/app:v1"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"The push refers to repository [$REG/pushed/app]"* ]]
  # The layers were in the registry under test/app: mounted, not uploaded.
  [[ "$output" == *"Mounted from test/app"* ]]
  [[ "$output" == *"v1: digest: sha256:"*" size: "* ]]
  # The registry now serves exactly the manifest berth holds.
  digest=$(echo "$output" | sed -n 's/.*v1: digest: \(sha256:[0-9a-f]*\) size.*/\1/p')
  got=$(skopeo inspect --tls-verify=false --raw "docker://$REG/pushed/app:v1" | sha256sum | cut -c1-64)
  [ "sha256:$got" = "$digest" ]
  run b push "$REG/pushed/app:v1"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Layer already exists"* ]]
  run b push "$REG/pushed/none:v1"
  [ "$status" -eq 1 ]
  [[ "${lines[-1]}" == "An image does not exist locally with the tag: $REG/pushed/none" ]]
}

@test "image prune removes untagged images, -a every image, and reports the space" {
  b pull -q "$REG/test/base"
  b pull -q "$REG/test/app"
  # Untag base by its tag: only its digest name remains (dangling).
  b rmi "$REG/test/base" >/dev/null || true
  run b image prune -f
  [ "$status" -eq 0 ]
  [[ "${lines[-1]}" == "Total reclaimed space: "* ]]
  [ "$(b images -q | wc -l)" -eq 1 ]
  run b image prune -a -f
  [ "$status" -eq 0 ]
  [[ "$output" == *"deleted: sha256:"* ]]
  [[ "${lines[-1]}" =~ ^Total\ reclaimed\ space:\ [0-9.]+[kM]B$ ]]
  [ -z "$(b images -q)" ]
  [ "$(count_files blobs)" -eq 0 ]
}

@test "POST /auth checks a login against the registry" {
  run api POST /auth -H 'Content-Type: application/json' \
    -d "{\"username\":\"u\",\"password\":\"p\",\"serveraddress\":\"$REG\"}"
  [ "$(echo "$output" | jq -r .Status)" = "Login Succeeded" ]
  run curl -sS -w '%{http_code}' --unix-socket "$SOCK" -X POST http://x/auth -d 'nope'
  [[ "$output" == *'malformed auth config'*400 ]]
}

@test "rmi by ID of an image in several repositories needs -f, as docker's conflict" {
  b pull -q "$REG/test/app"
  b tag "$REG/test/app" other/app:1
  id=$(b inspect -f '{{.Id}}' other/app:1)
  run b rmi "${id:7:12}"
  [ "$status" -eq 1 ]
  [ "$output" = "Error response from daemon: conflict: unable to delete ${id:7:12} (must be forced) - image is referenced in multiple repositories" ]
  [ "$(b images -q | sort -u)" = "${id:7:12}" ]
  run b rmi -f "${id:7:12}"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Deleted: $id"* ]]
  [ -z "$(b images -q)" ]
}
