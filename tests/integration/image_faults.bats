#!/usr/bin/env bats
# berthd against registries that want credentials (HTTP basic, and bearer
# tokens from tests/lib/token_server.py) and against everything that can go
# wrong in a pull: 401, 404, 5xx, truncated gzip, unknown media types,
# hostile tars, a full disk. Every failure must be one clear line, leave
# nothing stored (no blob, layer, image or temp file), and leave berthd
# serving. Also: berthd refuses TCP without mutual TLS.

load daemon_helpers

setup_file() {
  [ "$(id -u)" -eq 0 ] || skip "daemon tests need root"
  T=$(mktemp -d /tmp/berth-faults-XXXXXX)
  export T
  # berthd reads logins from $DOCKER_CONFIG/config.json, as docker does.
  export DOCKER_CONFIG=$T/docker
  start_registry
  start_htpasswd_registry alice s3cret
  start_token_registry alice s3cret deny
  for r in "$HREG" "$TREG"; do
    skopeo copy -q --dest-tls-verify=false --dest-creds alice:s3cret \
      "oci:$T/layout:app" "docker://$r/test/app:latest"
  done
  export REG HREG TREG
}

teardown_file() {
  [ -n "${T:-}" ] || return 0
  stop_pidfile "$T/faulty.pid"
  stop_auth_registries
  stop_registry
  rm -rf "$T"
}

setup() {
  rm -rf "$T/data" "$T/run" "$T/berthd.log" "$DOCKER_CONFIG"
  start_berthd
}

teardown() {
  stop_berthd
  if mountpoint -q "$T/data"; then umount "$T/data"; fi
  rm -rf "$T/data" "$T/run" "$DOCKER_CONFIG"
}

# login_file HOST USER PASS: a docker config.json holding USER:PASS for HOST.
login_file() {
  mkdir -p "$DOCKER_CONFIG"
  printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$1" "$(printf '%s:%s' "$2" "$3" | base64 -w0)" \
    >"$DOCKER_CONFIG/config.json"
}

# registry_auth USER PASS HOST: an X-Registry-Auth header value.
registry_auth() {
  printf '{"username":"%s","password":"%s","serveraddress":"%s"}' "$1" "$2" "$3" |
    base64 -w0 | tr '+/' '-_'
}

# pull_error REF [curl args]: pulls REF through the raw API and prints the
# error it ends with (a streamed errorDetail or an error response).
pull_error() {
  local ref=$1
  shift
  api POST "/images/create?fromImage=$(jq -rn --arg r "$ref" '$r|@uri')" "$@" |
    jq -rs 'map(.errorDetail.message // .message // empty) | .[]'
}

# After a failed pull: no image, blob, layer, staging dir or temp file, and
# berthd still answers.
nothing_stored() {
  [ -z "$(b images -q)" ]
  [ "$(count_files blobs)" -eq 0 ]
  [ "$(ls -A "$DATA/snapshots/layers" | wc -l)" -eq 0 ]
  [ "$(ls -A "$DATA/snapshots/staging" | wc -l)" -eq 0 ]
  [ "$(count_files ingest)" -eq 0 ]
  curl -sf --unix-socket "$SOCK" http://x/_ping >/dev/null
}

# one_line MSG: MSG is a single, non-empty line.
one_line() {
  [ -n "$1" ]
  [ "$(printf '%s' "$1" | wc -l)" -eq 0 ]
}

# push_blob REPO FILE: uploads FILE to $REG as a blob of REPO (POST for an
# upload session, then one PUT with the digest); prints the digest.
push_blob() {
  local d loc sep
  d=sha256:$(sha256sum "$2" | cut -c1-64)
  loc=$(curl -sf -X POST -D - -o /dev/null "http://$REG/v2/$1/blobs/uploads/" |
    sed -n 's/^[Ll]ocation: *//p' | tr -d '\r')
  [[ "$loc" == http* ]] || loc="http://$REG$loc"
  if [[ "$loc" == *\?* ]]; then sep='&'; else sep='?'; fi
  curl -sf -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$2" \
    "$loc${sep}digest=$d" >/dev/null
  echo "$d"
}

# push_image REPO LAYER [LAYER_MEDIA_TYPE]: a one-layer OCI image made by
# hand and pushed to $REG as REPO:latest, whatever LAYER holds (the
# diff_id is what gunzip makes of it, however far it gets).
push_image() {
  local repo=$1 layer=$2 mt=${3:-application/vnd.oci.image.layer.v1.tar+gzip}
  local ld diff cd
  ld=$(push_blob "$repo" "$layer")
  diff=sha256:$( (gzip -dc "$layer" 2>/dev/null || true) | sha256sum | cut -c1-64)
  printf '{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["%s"]}}' \
    "$diff" >"$T/config.json"
  cd=$(push_blob "$repo" "$T/config.json")
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},"layers":[{"mediaType":"%s","digest":"%s","size":%d}]}' \
    "$cd" "$(stat -c %s "$T/config.json")" "$mt" "$ld" "$(stat -c %s "$layer")" >"$T/manifest.json"
  curl -sf -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
    --data-binary "@$T/manifest.json" "http://$REG/v2/$repo/manifests/latest" >/dev/null
}

# make_tar OUT.tar.gz SPEC...: a gzipped tar whose entries are SPECs, in
# order: "f:NAME" (a small file), "l:NAME:TARGET" (a symlink), "r:NAME:MB"
# (MB megabytes of random data). Names are written as given, "../" too.
make_tar() {
  /usr/bin/python3 - "$@" <<'PY'
import gzip, io, os, sys, tarfile
out, specs = sys.argv[1], sys.argv[2:]
with gzip.open(out, "wb", compresslevel=1) as gz, tarfile.open(fileobj=gz, mode="w") as tar:
    for spec in specs:
        kind, name, *rest = spec.split(":")
        ti = tarfile.TarInfo(name)
        ti.mtime = 1700000000
        if kind == "l":
            ti.type, ti.linkname = tarfile.SYMTYPE, rest[0]
            tar.addfile(ti)
        else:
            data = os.urandom(int(rest[0]) << 20) if kind == "r" else b"test\n"
            ti.size, ti.mode = len(data), 0o644
            tar.addfile(ti, io.BytesIO(data))
PY
}

@test "token auth: pull and push with the credentials of config.json" {
  login_file "$TREG" alice s3cret
  run b pull "$TREG/test/app"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[-1]}" = "$TREG/test/app:latest" ]
  [ -n "$(find "$DATA/snapshots/layers" -path '*/fs/app/hello')" ]
  # The token server saw alice ask for pull access to test/app.
  grep -q '^token: alice repository:test/app:pull -> 200$' "$T/treg/token.log"
  b tag "$TREG/test/app" "$TREG/pushed/app:v1"
  run b push "$TREG/pushed/app:v1"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"v1: digest: sha256:"* ]]
  grep -q '^token: alice repository:pushed/app:pull,push' "$T/treg/token.log"
  # What the registry now serves under the new name is berth's manifest.
  digest=$(echo "$output" | sed -n 's/.*v1: digest: \(sha256:[0-9a-f]*\) size.*/\1/p')
  got=$(skopeo inspect --tls-verify=false --creds alice:s3cret --raw \
    "docker://$TREG/pushed/app:v1" | sha256sum | cut -c1-64)
  [ "sha256:$got" = "$digest" ]
  # A wrong password: one line, and the registry gets no repository.
  login_file "$TREG" alice wrong
  b tag "$TREG/test/app" "$TREG/pushed/other:v1"
  run b push "$TREG/pushed/other:v1"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "${lines[-1]}" == "push $TREG/pushed/other:v1: "*": registry $TREG: unauthorized: incorrect username or password" ]]
  [ ! -e "$T/treg/data/docker/registry/v2/repositories/pushed/other" ]
}

@test "token auth: X-Registry-Auth credentials pull; wrong or no credentials are refused" {
  # Right credentials in the header, none stored: the pull works.
  run pull_error "$TREG/test/app" -H "X-Registry-Auth: $(registry_auth alice s3cret "$TREG")"
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  [ -n "$(b images -q)" ]
  b rmi -f "$TREG/test/app" >/dev/null
  [ "$(count_files blobs)" -eq 0 ]
  # A wrong password in the header: the token server's 401, one line.
  run pull_error "$TREG/test/app" -H "X-Registry-Auth: $(registry_auth alice wrong "$TREG")"
  echo "$output"
  one_line "$output"
  [[ "$output" == *"registry $TREG: unauthorized: incorrect username or password"* ]]
  nothing_stored
  # A wrong password in config.json, through the client.
  login_file "$TREG" alice wrong
  run b pull "$TREG/test/app"
  echo "$output"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == "Error response from daemon: "*"unauthorized: incorrect username or password"* ]]
  nothing_stored
  # No credentials at all: this token server gives anonymous clients nothing.
  rm -rf "$DOCKER_CONFIG"
  run b pull "$TREG/test/app"
  echo "$output"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == "Error response from daemon: registry $TREG: token server http://"*"/token: unauthorized: authentication required" ]]
  nothing_stored
}

@test "token auth: anonymous clients pull from a registry that lets them, and may not push" {
  start_token_registry alice s3cret pull tpub
  skopeo copy -q --dest-tls-verify=false --dest-creds alice:s3cret \
    "oci:$T/layout:base" "docker://$TREG/test/base:latest"
  run b pull -q "$TREG/test/base"
  [ "$status" -eq 0 ]
  grep -q '^token: - repository:test/base:pull -> 200$' "$T/tpub/token.log"
  b tag "$TREG/test/base" "$TREG/anon/base:1"
  run b push "$TREG/anon/base:1"
  echo "$output"
  stop_pidfile "$T/tpub/registry.pid"
  stop_pidfile "$T/tpub/token.pid"
  [ "$status" -eq 1 ]
  [[ "${lines[-1]}" == "push $TREG/anon/base:1: "*"registry $TREG: unauthorized: authentication required"* ]]
  [ ! -e "$T/tpub/data/docker/registry/v2/repositories/anon" ]
}

@test "token auth: a token server that cannot be reached fails the pull in one line, quickly" {
  # A registry whose realm is a port nobody listens on.
  port=$(free_port)
  run_registry "$T/deadtok" "$port" "auth:
  token:
    realm: http://127.0.0.1:$(free_port)/token
    service: test-registry
    issuer: test-issuer
    rootcertbundle: $T/treg/token.crt"
  start=$(date +%s)
  run b pull "127.0.0.1:$port/test/app"
  echo "$output"
  stop_pidfile "$T/deadtok/registry.pid"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == "Error response from daemon: fetch token for 127.0.0.1:$port: GET http://127.0.0.1:"*"Couldn't connect to server" ]]
  # Retried as any request is (200 + 400 + 800 ms), not once per layer of retries.
  [ $(($(date +%s) - start)) -lt 5 ]
  nothing_stored
}

@test "basic auth: no credentials is a one-line 401; config.json's are sent" {
  run b pull "$HREG/test/app"
  echo "$output"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == "Error response from daemon: pull access denied for $HREG/test/app"* ]]
  nothing_stored
  login_file "$HREG" alice s3cret
  run b pull -q "$HREG/test/app"
  [ "$status" -eq 0 ]
  [ "$output" = "$HREG/test/app:latest" ]
}

@test "a missing tag or a blob the registry lost: one line, nothing stored" {
  run b pull "$REG/test/app:nope"
  echo "$output"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"manifest for $REG/test/app:nope not found"* ]]
  nothing_stored
  # The manifest and config are there, a layer blob is gone: the pull
  # stores the manifest and config first, and must take them back.
  skopeo copy -q --dest-tls-verify=false "oci:$T/layout:app" "docker://$REG/lost/app:latest"
  blob=$(curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$REG/v2/lost/app/manifests/latest" | jq -r '.layers[1].digest')
  rm "$T/registry/docker/registry/v2/repositories/lost/app/_layers/sha256/${blob:7}/link"
  run pull_error "$REG/lost/app"
  echo "$output"
  one_line "$output"
  [[ "$output" == *"blob $blob of $REG/lost/app: not found in registry $REG"* ]]
  nothing_stored
}

@test "a registry answering 503 for a layer: retried, then one line, nothing stored" {
  blob=$(curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$REG/v2/test/app/manifests/latest" | jq -r '.layers[1].digest')
  port=$(free_port)
  /usr/bin/python3 "$SRC/tests/lib/faulty_registry.py" --port "$port" --upstream "$REG" \
    --status 503 --fail "$blob" 2>"$T/faulty.log" &
  echo $! >"$T/faulty.pid"
  wait_for curl -sf "http://127.0.0.1:$port/v2/"
  start=$(date +%s)
  run b pull "127.0.0.1:$port/test/app"
  echo "$output"
  stop_pidfile "$T/faulty.pid"
  [ "$status" -eq 1 ]
  [[ "${lines[-1]}" == *"blob $blob of 127.0.0.1:$port/test/app: registry 127.0.0.1:$port: "*"service unavailable (test)"* ]]
  # The first try and 3 retries (200, 400, 800 ms apart).
  [ "$(grep -c "^fail: GET /v2/test/app/blobs/$blob -> 503" "$T/faulty.log")" -eq 4 ]
  [ $(($(date +%s) - start)) -lt 10 ]
  nothing_stored
}

@test "a truncated gzip layer whose digest matches fails in unpack; nothing stored" {
  make_tar "$T/whole.tar.gz" f:a r:big:1 f:b
  head -c $(($(stat -c %s "$T/whole.tar.gz") / 2)) "$T/whole.tar.gz" >"$T/cut.tar.gz"
  push_image cut/app "$T/cut.tar.gz"
  layer=sha256:$(sha256sum "$T/cut.tar.gz" | cut -c1-64)
  run b pull "$REG/cut/app"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "${lines[-1]}" == "pull $REG/cut/app:latest: layer $layer: gzip: "*"truncated"* ]]
  # The stream's error is that line, alone.
  shown=${lines[-1]}
  run pull_error "$REG/cut/app"
  one_line "$output"
  [ "$output" = "$shown" ]
  nothing_stored
}

@test "a layer blob the registry serves short: one line, nothing stored" {
  blob=$(curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$REG/v2/test/app/manifests/latest" | jq -r '.layers[0].digest')
  data=$T/registry/docker/registry/v2/blobs/sha256/${blob:7:2}/${blob:7}/data
  size=$(stat -c %s "$data")
  cp "$data" "$T/good-blob"
  truncate -s 100000 "$data"
  run pull_error "$REG/test/app"
  cp "$T/good-blob" "$data"
  echo "$output"
  one_line "$output"
  [[ "$output" == "pull $REG/test/app:latest: blob $blob of $REG/test/app: got 100000 bytes, expected $size" ]]
  nothing_stored
}

@test "a layer of unknown media type is refused before anything is fetched" {
  make_tar "$T/plain.tar.gz" f:a
  push_image odd/app "$T/plain.tar.gz" application/x-unknown
  run pull_error "$REG/odd/app"
  echo "$output"
  one_line "$output"
  [[ "$output" == "pull $REG/odd/app:latest: manifest layers[0]: unsupported layer media type \"application/x-unknown\"" ]]
  nothing_stored
}

@test "hostile layers: ../ entries and writes through a link out of the layer name the entry" {
  mkdir -p "$T/outside"
  make_tar "$T/dotdot.tar.gz" f:ok "f:../escape"
  push_image evil/dotdot "$T/dotdot.tar.gz"
  run b pull "$REG/evil/dotdot"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "${lines[-1]}" == *'entry "../escape": path escapes the layer root'* ]]
  nothing_stored
  [ -z "$(find "$T" -name escape)" ]
  # An absolute link to a host directory, then a file through it: links
  # resolve inside the layer, where that directory does not exist.
  make_tar "$T/link.tar.gz" "l:out:$T/outside" "f:out/pwned"
  push_image evil/link "$T/link.tar.gz"
  run b pull "$REG/evil/link"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "${lines[-1]}" == *'entry "out/pwned": parent "out" is a symbolic link to a missing directory'* ]]
  [ -z "$(ls -A "$T/outside")" ]
  nothing_stored
  # A link to "/" resolves to the layer's own root: the file lands there.
  make_tar "$T/root.tar.gz" "l:top:/" "f:top/inside"
  push_image evil/root "$T/root.tar.gz"
  run b pull -q "$REG/evil/root"
  [ "$status" -eq 0 ]
  [ -n "$(find "$DATA/snapshots/layers" -path '*/fs/inside' -type f)" ]
  [ ! -e /inside ]
}

@test "a full disk fails the pull with ENOSPC, leaves nothing, and the pull works once there is room" {
  make_tar "$T/big.tar.gz" r:random:16
  push_image big/app "$T/big.tar.gz"
  stop_berthd
  rm -rf "$T/data"
  mkdir -p "$T/data"
  mount -t tmpfs -o size=8m tmpfs "$T/data"
  start_berthd
  run b pull "$REG/big/app"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "${lines[-1]}" == *"No space left on device" ]]
  run pull_error "$REG/big/app"
  echo "$output"
  one_line "$output"
  [[ "$output" == "pull $REG/big/app:latest: "*"No space left on device" ]]
  nothing_stored
  mount -o remount,size=64m "$T/data"
  run b pull -q "$REG/big/app"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(find "$DATA/snapshots/layers" -path '*/fs/random' -size 16M | wc -l)" -eq 1 ]
}

@test "berthd refuses to listen on TCP without mutual TLS" {
  port=$(free_port)
  for h in "tcp://127.0.0.1:$port" tcp://0.0.0.0:2376; do
    run "$BERTHD" --config-file /dev/null --data-root "$T/tcp-data" --exec-root "$T/tcp-run" -H "$h"
    echo "$output"
    [ "$status" -eq 1 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == "berthd: --host $h: listening on TCP needs mutual TLS"* ]]
  done
  run "$BERTHD" --config-file /dev/null --data-root "$T/tcp-data" --exec-root "$T/tcp-run" \
    -H tcp://127.0.0.1:2376 --tlsverify --tlscacert /nonexistent/ca.pem \
    --tlscert /nonexistent/cert.pem --tlskey /nonexistent/key.pem
  echo "$output"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"which berthd does not serve yet"* ]]
  run "$BERTHD" --config-file /dev/null --data-root "$T/tcp-data" --exec-root "$T/tcp-run" \
    -H "unix://$T/tcp.sock" --tlsverify
  [ "$status" -eq 1 ]
  [[ "$output" == "berthd: --tlsverify, --tlscacert, --tlscert, --tlskey: mutual TLS is for TCP listeners"* ]]
  # dockerd's daemon.json "hosts" key gets the same refusal.
  echo '{"hosts": ["tcp://127.0.0.1:'"$port"'"]}' >"$T/tcp-daemon.json"
  run "$BERTHD" --config-file "$T/tcp-daemon.json" --data-root "$T/tcp-data" --exec-root "$T/tcp-run"
  echo "$output"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == "berthd: config file $T/tcp-daemon.json: \"hosts\" tcp://127.0.0.1:$port: listening on TCP needs mutual TLS"* ]]
  # Nothing was made, nothing listens.
  [ ! -e "$T/tcp-data" ]
  [ ! -e "$T/tcp-run" ]
  [ ! -e "$T/tcp.sock" ]
  run curl -s --max-time 2 "http://127.0.0.1:$port/_ping"
  [ "$status" -ne 0 ]
}
