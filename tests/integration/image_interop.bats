#!/usr/bin/env bats
# Image archives across tools: what skopeo, umoci, podman and dockerd write
# loads into berthd, and what berthd saves loads into them, the image
# unchanged (ID = config digest, diff_ids, config, files). The test image
# is make_image.sh's "app" (busybox, a whiteout, a file of its own).
# podman and dockerd get stores of their own under $T; dockerd's case skips
# when it cannot start.

load daemon_helpers
load interop_helpers

setup_file() {
  [ "$(id -u)" -eq 0 ] || skip "daemon tests need root"
  command -v skopeo >/dev/null && command -v umoci >/dev/null ||
    skip "skopeo and umoci make the test image"
  T=$(mktemp -d /tmp/berth-interop-XXXXXX)
  export T
  note_peer_cgroups
  "$SRC/tests/lib/make_image.sh" "$T/layout" >/dev/null
  read_app_image
  # skopeo's docker-archive of it: loading that gives berthd an image with
  # a made Docker schema 2 manifest, as a `docker save` would.
  skopeo copy -q "oci:$T/layout:app" "docker-archive:$T/sk-docker.tar:test/app:1"
  # And its oci-archive, named by a whole reference in ref.name as skopeo
  # and podman write it: the layout's manifest, gzip layers.
  skopeo copy -q "oci:$T/layout:app" "oci-archive:$T/sk-named.tar:test/app:2"
}

teardown_file() {
  [ -n "${T:-}" ] || return 0
  command -v podman >/dev/null && pm rmi -af >/dev/null 2>&1 || true
  clean_peers
  rm -rf "$T"
}

setup() {
  rm -rf "$T/data" "$T/run" "$T/berthd.log"
  mkdir -p "$T/work"
  start_berthd
}

teardown() {
  stop_dockerd
  stop_berthd
  clean_peers
  rm -rf "$T/data" "$T/run" "$T/docker" "$T/dx" "$T/work"
}

@test "skopeo's docker-archive and oci-archive load with the layout's config, diff_ids and files" {
  need skopeo
  run b load -i "$T/sk-docker.tar"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: test/app:1" ]
  berth_has_app test/app:1

  # oci-archive, no name: an untagged image with the same ID. Removed
  # first, so its layers come from this archive.
  b rmi test/app:1 >/dev/null
  [ -z "$(snapshot_file app/hello)" ]
  skopeo copy -q "oci:$T/layout:app" "oci-archive:$T/sk-oci.tar"
  [ "$(tar -xOf "$T/sk-oci.tar" index.json | jq -c '.manifests[0].annotations')" = null ]
  run b load -i "$T/sk-oci.tar"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image ID: $APP_ID" ]
  berth_has_app "$APP_ID"
  # Its manifest is the layout's, byte for byte.
  [ "$(b inspect -f '{{.Id}}' "$APP_ID")" = "$APP_ID" ]
  [ -f "$DATA/blobs/sha256/${APP_MANIFEST#sha256:}" ]

  # oci-archive named by a whole reference in ref.name: that name tags it.
  [ "$(tar -xOf "$T/sk-named.tar" index.json |
    jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]')" = test/app:2 ]
  run b load -i "$T/sk-named.tar"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: test/app:2" ]
  berth_has_app test/app:2
}

@test "umoci's layouts load: make_image's two images, and one made by umoci new/insert/tag" {
  need umoci
  # make_image's layout names its images "base" and "app": bare tags, which
  # name no repository, so they load untagged (docker's containerd store
  # would store them under the names "base" and "app").
  tar -C "$T/layout" -cf "$T/layout.tar" .
  base_id=$(jq -r .config.digest "$(blob "$T/layout" "$(layout_manifest "$T/layout" base)")")
  run b load -i "$T/layout.tar"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 2 ]
  [[ "$output" == *"Loaded image ID: $base_id"* ]]
  [[ "$output" == *"Loaded image ID: $APP_ID"* ]]
  berth_has_app "$APP_ID"

  mkdir -p "$T/work/ins/opt"
  echo "inserted by umoci" >"$T/work/ins/opt/marker"
  umoci init --layout "$T/work/ul"
  umoci new --image "$T/work/ul:v1"
  umoci insert --image "$T/work/ul:v1" "$T/work/ins/opt" /opt
  umoci config --image "$T/work/ul:v1" --config.cmd /bin/true
  umoci tag --image "$T/work/ul:v1" umoci/test:v1
  m=$(layout_manifest "$T/work/ul" umoci/test:v1)
  id=$(jq -r .config.digest "$(blob "$T/work/ul" "$m")")
  diff_ids=$(jq -c .rootfs.diff_ids "$(blob "$T/work/ul" "$id")")
  tar -C "$T/work/ul" -cf "$T/work/ul.tar" .
  run b load -i "$T/work/ul.tar"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: umoci/test:v1" ]
  [ "$(b inspect -f '{{.Id}}' umoci/test:v1)" = "$id" ]
  [ "$(b inspect -f '{{json .RootFS.Layers}}' umoci/test:v1)" = "$diff_ids" ]
  [ "$(b inspect -f '{{json .Config.Cmd}}' umoci/test:v1)" = '["/bin/true"]' ]
  [ "$(cat "$(snapshot_file opt/marker)")" = "inserted by umoci" ]
}

@test "podman loads and runs berth's archive; berth loads podman's docker-archive and oci-archive" {
  need podman
  b load -i "$T/sk-docker.tar" >/dev/null
  b save -o "$T/berth.tar" test/app:1
  run pm load -i "$T/berth.tar"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Loaded image: docker.io/test/app:1"* ]]
  [ "sha256:$(pm inspect -f '{{.Id}}' test/app:1)" = "$APP_ID" ]
  [ "$(pm inspect -f '{{json .RootFS.Layers}}' test/app:1)" = "$APP_DIFF_IDS" ]
  # It runs: the app layer's file, its Env and WorkingDir, the whiteout.
  run pm "${PM_RUN[@]}" test/app:1
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "hello from the app layer" ]
  run pm "${PM_RUN[@]}" test/app:1 sh -c 'echo $GREETING $PWD; test -e /etc/group || echo gone'
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "hi /app" ]
  [ "${lines[1]}" = gone ]

  # Back the other way, in both of podman's formats, each into an empty
  # berthd.
  pm tag test/app:1 localhost/pm/app:3
  pm save -q --format docker-archive -o "$T/pm-docker.tar" localhost/pm/app:3
  pm save -q --format oci-archive -o "$T/pm-oci.tar" localhost/pm/app:3
  b rmi test/app:1 >/dev/null
  run b load -i "$T/pm-docker.tar"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: localhost/pm/app:3" ]
  berth_has_app localhost/pm/app:3
  b rmi localhost/pm/app:3 >/dev/null
  # The OCI archive's config is what podman made of it; berthd's ID is
  # that config's digest, and the layers are the same.
  m=$(tar -xOf "$T/pm-oci.tar" index.json | jq -r '.manifests[0].digest')
  config=$(tar -xOf "$T/pm-oci.tar" "blobs/sha256/${m#sha256:}" | jq -r .config.digest)
  run b load -i "$T/pm-oci.tar"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: localhost/pm/app:3" ]
  [ "$(b inspect -f '{{.Id}}' localhost/pm/app:3)" = "$config" ]
  APP_ID=$config berth_has_app localhost/pm/app:3
}

@test "skopeo reads berth's archive as a docker-archive and as an oci-archive, digests kept" {
  need skopeo
  b load -i "$T/sk-docker.tar" >/dev/null
  b save -o "$T/berth.tar" test/app:1
  # docker-archive: the config byte for byte, the diff_ids.
  [ "sha256:$(skopeo inspect --raw --config "docker-archive:$T/berth.tar" | sha256sum | cut -c1-64)" = "$APP_ID" ]
  [ "$(skopeo inspect "docker-archive:$T/berth.tar" | jq -c .Layers)" = "$APP_DIFF_IDS" ]
  skopeo copy -q "docker-archive:$T/berth.tar" "oci:$T/work/from-docker:x"
  m=$(layout_manifest "$T/work/from-docker" x)
  config=$(jq -r .config.digest "$(blob "$T/work/from-docker" "$m")")
  [ "$(jq -c .rootfs.diff_ids "$(blob "$T/work/from-docker" "$config")")" = "$APP_DIFF_IDS" ]

  # oci-archive: the OCI manifest berthd wrote for the image (it was
  # loaded from a docker-archive, so its own manifest is Docker's) goes
  # across unchanged, and with it the config: skopeo need not convert
  # anything (--preserve-digests: it may not; without it, it would gzip
  # the plain tar layers).
  saved_m=$(tar -xOf "$T/berth.tar" index.json | jq -r '.manifests[0].digest')
  [ "$(tar -xOf "$T/berth.tar" index.json | jq -r '.manifests[0].mediaType')" = application/vnd.oci.image.manifest.v1+json ]
  skopeo copy -q --preserve-digests "oci-archive:$T/berth.tar" "oci:$T/work/from-oci:x"
  m=$(layout_manifest "$T/work/from-oci" x)
  [ "$m" = "$saved_m" ]
  [ "$(jq -r .config.digest "$(blob "$T/work/from-oci" "$m")")" = "$APP_ID" ]
  # And by its tag, as index.json's ref.name gives it.
  [ "$(skopeo inspect --raw "oci-archive:$T/berth.tar:1" | sha256sum | cut -c1-64)" = "${saved_m#sha256:}" ]
}

@test "umoci unpacks berth's archive by its tag, whiteout applied" {
  need umoci
  b load -i "$T/sk-docker.tar" >/dev/null
  b tag test/app:1 other/name:v2
  b save -o "$T/berth.tar" test/app:1 other/name:v2
  mkdir -p "$T/work/layout"
  tar -C "$T/work/layout" -xf "$T/berth.tar"
  run umoci ls --layout "$T/work/layout"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | sort | tr '\n' ' ')" = "1 v2 " ]
  run umoci unpack --image "$T/work/layout:1" "$T/work/bundle"
  echo "$output"
  [ "$status" -eq 0 ]
  r=$T/work/bundle/rootfs
  [ "$(cat "$r/app/hello")" = "hello from the app layer" ]
  [ ! -e "$r/etc/group" ]
  [ -f "$r/etc/passwd" ]
  cmp "$r/bin/busybox" "$(command -v busybox)"
  [ "$(jq -c .process.args "$T/work/bundle/config.json")" = '["cat","/app/hello"]' ]
  [ "$(jq -r .process.cwd "$T/work/bundle/config.json")" = /app ]
}

@test "dockerd 20.10 (and its containerd) load and run berth's archive; berth loads what they save" {
  need dockerd
  need docker
  start_dockerd || skip "dockerd does not start here: $(tail -3 "$T/dockerd.log")"
  b load -i "$T/sk-docker.tar" >/dev/null
  b save -o "$T/berth.tar" test/app:1
  run dk load -i "$T/berth.tar"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: test/app:1" ]
  [ "$(dk inspect -f '{{.Id}}' test/app:1)" = "$APP_ID" ]
  [ "$(dk inspect -f '{{json .RootFS.Layers}}' test/app:1)" = "$APP_DIFF_IDS" ]
  run dk run --rm --network none test/app:1
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "hello from the app layer" ]

  # dockerd's containerd (1.6) imports it too, by io.containerd.image.name
  # and the manifest index.json names; its export loads back into berthd.
  if command -v ctr >/dev/null; then
    run ctr -a "$T/dx/containerd/containerd.sock" -n berth-interop images import "$T/berth.tar"
    echo "$output"
    [ "$status" -eq 0 ]
    saved_m=$(tar -xOf "$T/berth.tar" index.json | jq -r '.manifests[0].digest')
    run ctr -a "$T/dx/containerd/containerd.sock" -n berth-interop images ls -q
    [ "$output" = docker.io/test/app:1 ]
    run ctr -a "$T/dx/containerd/containerd.sock" -n berth-interop images ls
    [[ "${lines[1]}" == *" $saved_m "* ]]
    ctr -a "$T/dx/containerd/containerd.sock" -n berth-interop images export \
      "$T/ctr.tar" docker.io/test/app:1
    b rmi test/app:1 >/dev/null
    run b load -i "$T/ctr.tar"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = "Loaded image: test/app:1" ]
    berth_has_app test/app:1
  fi

  # docker 20.10's own format: "<v1 id>/layer.tar" directories, a layer
  # two images share written once and symlinked from the other's.
  skopeo copy -q "oci:$T/layout:base" "docker-archive:$T/work/base.tar:test/base:1"
  dk load -i "$T/work/base.tar" >/dev/null
  base_id=$(dk inspect -f '{{.Id}}' test/base:1)
  dk tag test/app:1 from/docker:5
  dk save -o "$T/docker.tar" from/docker:5 test/base:1
  [ "$(tar -tvf "$T/docker.tar" | grep -c '/layer.tar -> \.\./.*/layer.tar$')" -eq 1 ]
  b rmi test/app:1 >/dev/null
  run b load -i "$T/docker.tar"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Loaded image: from/docker:5"* ]]
  [[ "$output" == *"Loaded image: test/base:1"* ]]
  [ "$(b inspect -f '{{.Id}}' test/base:1)" = "$base_id" ]
  berth_has_app from/docker:5

  # An image whose layers are gzip blobs (as pulled): manifest.json names
  # the compressed files, which docker load inflates.
  b rmi from/docker:5 >/dev/null
  b load -i "$T/sk-named.tar" >/dev/null
  b save -o "$T/berth-gz.tar" test/app:2
  layer=$(tar -xOf "$T/berth-gz.tar" manifest.json | jq -r '.[0].Layers[1]')
  [ "$(tar -xOf "$T/berth-gz.tar" "$layer" | head -c2 | od -An -tx1 | tr -d ' ')" = 1f8b ]
  dk rmi test/app:1 from/docker:5 >/dev/null
  run dk load -i "$T/berth-gz.tar"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: test/app:2" ]
  [ "$(dk inspect -f '{{.Id}}' test/app:2)" = "$APP_ID" ]
  run dk run --rm --network none test/app:2
  [ "$status" -eq 0 ]
  [ "$output" = "hello from the app layer" ]
}
