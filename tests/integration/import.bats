#!/usr/bin/env bats
# berth import and POST /images/create?fromSrc=: a busybox rootfs tarball
# becomes a one-layer image, plain, gzip, xz or bzip2, from a file or stdin, with
# docker's --change lines and message; a bad change or a tar entry that
# would escape the layer leaves no image, blob or layer behind; an imported
# image pushes to a registry and pulls back as the same image.

load daemon_helpers

# Makes $T/rootfs.tar (and .tar.gz): /bin/busybox with a few applet links,
# /etc/motd, /srv.
make_rootfs_tars() {
  local r=$T/rootfs
  rm -rf "$r"
  mkdir -p "$r/bin" "$r/etc" "$r/srv"
  cp "$(command -v busybox)" "$r/bin/busybox"
  for applet in sh echo ls cat; do ln -s busybox "$r/bin/$applet"; done
  echo "imported" >"$r/etc/motd"
  tar -C "$r" --numeric-owner -cf "$T/rootfs.tar" .
  gzip -c "$T/rootfs.tar" >"$T/rootfs.tar.gz"
  xz -c "$T/rootfs.tar" >"$T/rootfs.tar.xz"
  bzip2 -c "$T/rootfs.tar" >"$T/rootfs.tar.bz2"
}

# Makes $T/evil.tar: a good file, then "../escape" (GNU tar strips "../",
# so Python writes it).
make_evil_tar() {
  python3 - "$T/evil.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    for name in ("ok", "../escape"):
        data = b"gotcha\n"
        info = tarfile.TarInfo(name)
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
PY
}

# What a failed import must not change: blob files, layer dirs, staging
# dirs and images, as one line.
store_state() {
  echo "blobs=$(count_files blobs) layers=$(ls "$DATA/snapshots/layers" | wc -l)" \
    "staging=$(ls "$DATA/snapshots/staging" | wc -l) images=$(b images -q | wc -l)"
}

inspect() {
  b inspect "$1" | jq -c ".[0]$2"
}

setup_file() {
  [ "$(id -u)" -eq 0 ] || skip "daemon tests need root"
  command -v busybox >/dev/null || skip "no busybox"
  T=$(mktemp -d /tmp/berth-import-XXXXXX)
  export T
  make_rootfs_tars
  make_evil_tar
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

@test "import from a file applies every change and the message" {
  run b import -m msg \
    -c 'CMD ["/bin/sh","-c","echo hi"]' -c 'ENV A=1 B="two words"' -c 'WORKDIR /srv' \
    -c 'USER 1000' -c 'EXPOSE 8080/tcp' -c 'LABEL k=v' -c 'ENTRYPOINT ["/bin/busybox"]' \
    "$T/rootfs.tar" imp:1
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
  id=$output
  [ "$(inspect imp:1 .Id)" = "\"$id\"" ]
  [ "$(inspect imp:1 .Config.Cmd)" = '["/bin/sh","-c","echo hi"]' ]
  [ "$(inspect imp:1 .Config.Entrypoint)" = '["/bin/busybox"]' ]
  [ "$(inspect imp:1 .Config.Env)" = '["A=1","B=two words"]' ]
  [ "$(inspect imp:1 .Config.WorkingDir)" = '"/srv"' ]
  [ "$(inspect imp:1 .Config.User)" = '"1000"' ]
  [ "$(inspect imp:1 .Config.ExposedPorts)" = '{"8080/tcp":{}}' ]
  [ "$(inspect imp:1 .Config.Labels)" = '{"k":"v"}' ]
  [ "$(inspect imp:1 .Comment)" = '"msg"' ]
  [ "$(inspect imp:1 .Os)" = '"linux"' ]
  [ "$(inspect imp:1 .RepoTags)" = '["imp:1"]' ]
  # One layer, named by the sha256 of the tar: its snapshot holds the files.
  diff_id=sha256:$(sha256sum "$T/rootfs.tar" | cut -c1-64)
  [ "$(inspect imp:1 .RootFS.Layers)" = "[\"$diff_id\"]" ]
  fs=$DATA/snapshots/layers/${diff_id#sha256:}/fs
  cmp "$fs/bin/busybox" "$(command -v busybox)"
  [ "$(readlink "$fs/bin/sh")" = busybox ]
  [ "$(cat "$fs/etc/motd")" = imported ]
  # The plain tar is stored as the layer blob.
  cmp "$DATA/blobs/sha256/${diff_id#sha256:}" "$T/rootfs.tar"

  run b history imp:1
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 2 ]
  [[ "${lines[1]}" == *msg ]]
  run b images imp
  [[ "$output" == *"imp "*" 1 "*"${id:7:12}"* ]]
}

@test "import from stdin, gzip'd, shares the layer and says where it came from" {
  b import "$T/rootfs.tar" plain:1 >/dev/null
  before_layers=$(ls "$DATA/snapshots/layers" | wc -l)
  run sh -c "gzip -c '$T/rootfs.tar' | '$BERTH' -H 'unix://$SOCK' import - gz:1"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
  # Same files, same diff_id: one layer dir for both images.
  [ "$(inspect gz:1 .RootFS.Layers)" = "$(inspect plain:1 .RootFS.Layers)" ]
  [ "$(ls "$DATA/snapshots/layers" | wc -l)" -eq "$before_layers" ]
  [ "$(inspect gz:1 .Comment)" = '"Imported from -"' ]
  run b history gz:1
  [[ "$output" == *"Imported from -"* ]]
  # No name: listed as <none>; the repo's tag defaults to latest.
  b import "$T/rootfs.tar.gz" >/dev/null
  b image import "$T/rootfs.tar.gz" named >/dev/null
  [ "$(inspect named .RepoTags)" = '["named:latest"]' ]
  run b images
  [[ "$output" == *"<none>"* ]]
}

@test "xz and bzip2 tarballs are decoded and kept as the plain tar's layer" {
  b import "$T/rootfs.tar" plain:1 >/dev/null
  b import "$T/rootfs.tar.xz" xz:1
  b import - bz:1 <"$T/rootfs.tar.bz2"
  [ "$(inspect xz:1 .RootFS.Layers)" = "$(inspect plain:1 .RootFS.Layers)" ]
  [ "$(inspect bz:1 .RootFS.Layers)" = "$(inspect plain:1 .RootFS.Layers)" ]
  [ "$(ls "$DATA/snapshots/layers" | wc -l)" -eq 1 ]
}

@test "an imported image pushes and pulls back as the same image, plain or gzip'd" {
  start_registry
  plain=$(b import "$T/rootfs.tar" "$REG/imp/plain:1")
  gz=$(b import "$T/rootfs.tar.gz" "$REG/imp/gz:1")
  b push "$REG/imp/plain:1"
  b push "$REG/imp/gz:1"
  b rmi "$REG/imp/plain:1" "$REG/imp/gz:1"
  b pull "$REG/imp/plain:1"
  b pull "$REG/imp/gz:1"
  [ "$(inspect "$REG/imp/plain:1" .Id)" = "\"$plain\"" ]
  [ "$(inspect "$REG/imp/gz:1" .Id)" = "\"$gz\"" ]
  stop_registry
}

@test "the API takes the tarball as the body and answers docker's status message" {
  run api POST "/v1.41/images/create?fromSrc=-&repo=api&tag=t&message=via%20api&changes=ENV%20X%3D1&changes=CMD%20echo%20%24X" \
    -H 'Content-Type: application/x-tar' --data-binary "@$T/rootfs.tar.gz"
  echo "$output"
  # docker's JSON message stream: one message, CRLF-terminated.
  [[ "${output%$'\r'}" =~ ^\{\"status\":\"sha256:[0-9a-f]{64}\"\}$ ]]
  [ "$(inspect api:t .Config.Env)" = '["X=1"]' ]
  [ "$(inspect api:t .Config.Cmd)" = '["/bin/sh","-c","echo $X"]' ]
  [ "$(inspect api:t .Comment)" = '"via api"' ]
  # A platform names the image's architecture.
  run api POST "/images/create?fromSrc=-&repo=arm&platform=linux/arm64" --data-binary "@$T/rootfs.tar"
  [ "$(inspect arm .Architecture)" = '"arm64"' ]
  # A URL source is refused clearly; so is a digest name.
  run api POST "/images/create?fromSrc=http://example.invalid/x.tar" -o /dev/null -w '%{http_code}'
  [ "$output" = 501 ]
  run api POST "/images/create?fromSrc=-&repo=x@sha256:$(printf '%064d' 0)" --data-binary "@$T/rootfs.tar"
  [[ "$output" == *"cannot import digest reference"* ]]
}

@test "a bad change fails in one line and leaves nothing" {
  b import "$T/rootfs.tar" keep:1 >/dev/null
  before=$(store_state)
  run b import -c 'RUN x' "$T/rootfs.tar" bad:1
  echo "$output"
  [ "$status" -ne 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [ "$output" = "Error response from daemon: RUN is not a valid change command" ]
  run b import -c 'EXPOSE 80/bogus' "$T/rootfs.tar" bad:1
  [ "$status" -ne 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *'EXPOSE 80/bogus'*'invalid proto: bogus'* ]]
  run b import --platform windows/amd64 "$T/rootfs.tar" bad:1
  [ "$status" -ne 0 ]
  [[ "$output" == *"not supported"* ]]
  [ "$(store_state)" = "$before" ]
  run b inspect bad:1
  [ "$status" -ne 0 ]
}

@test "a tar entry escaping the layer fails in one line and leaves nothing" {
  b import "$T/rootfs.tar" keep:1 >/dev/null
  before=$(store_state)
  run b import "$T/evil.tar" evil:1
  echo "$output"
  [ "$status" -ne 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *'"../escape": path escapes the layer root'* ]]
  run sh -c "cat '$T/evil.tar' | '$BERTH' -H 'unix://$SOCK' import - evil:1"
  [ "$status" -ne 0 ]
  [[ "$output" == *"../escape"* ]]
  # Not a tar at all, and a gzip stream cut short.
  echo "not a tarball" >"$T/junk"
  run b import "$T/junk" evil:1
  [ "$status" -ne 0 ]
  [ "${#lines[@]}" -eq 1 ]
  head -c 20000 "$T/rootfs.tar.gz" >"$T/short.tar.gz"
  run b import "$T/short.tar.gz" evil:1
  [ "$status" -ne 0 ]
  [[ "$output" == *gzip* ]]
  [ "$(store_state)" = "$before" ]
  [ -z "$(find "$T" -name escape)" ]
  run b inspect evil:1
  [ "$status" -ne 0 ]
}

@test "import of a missing file is a local one-line error" {
  run b import "$T/nope.tar"
  [ "$status" -ne 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" == *"nope.tar"* ]]
}
