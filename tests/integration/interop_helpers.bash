# Helpers for image_interop.bats: the peers (podman, dockerd) each with
# their own store under $T, and the checks that an image came through a
# save/load unchanged. Used with daemon_helpers.bash.

# pm ARGS...: podman with a store of its own (vfs: no overlay on overlay),
# cgroupfs and runc (crun refuses this host's hybrid cgroup layout).
pm() {
  podman --root "$T/podman-root" --runroot "$T/podman-run" --storage-driver vfs \
    --cgroup-manager cgroupfs --events-backend file --runtime runc "$@"
}

# The host's hard RLIMIT_NOFILE/NPROC are below what podman asks for by
# default (see tests/conformance/peers.bats).
# shellcheck disable=SC2034  # used by image_interop.bats
PM_RUN=(run --rm --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

# dk ARGS...: the docker CLI against this test's dockerd.
dk() {
  DOCKER_HOST=unix://$T/docker.sock docker "$@"
}

need() {
  command -v "$1" >/dev/null || skip "$1 not installed"
}

# Starts dockerd (containerd, runc, overlay2) with everything under $T;
# returns non-zero when it does not answer within 20 s.
start_dockerd() {
  dockerd --data-root "$T/docker" --exec-root "$T/dx" --pidfile "$T/dockerd.pid" \
    --host "unix://$T/docker.sock" --bridge=none --iptables=false --ip6tables=false \
    --ip-masq=false >"$T/dockerd.log" 2>&1 &
  echo $! >"$T/dockerd.pidof"
  for _ in $(seq 100); do
    dk version >/dev/null 2>&1 && return 0
    kill -0 "$(cat "$T/dockerd.pidof")" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

stop_dockerd() {
  [ -f "$T/dockerd.pidof" ] || return 0
  local pid
  pid=$(cat "$T/dockerd.pidof")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 150); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$T/dockerd.pidof"
}

# Notes which peer cgroups (dockerd's "docker", podman's "libpod_parent")
# exist before the tests, so teardown removes only those this file made.
note_peer_cgroups() {
  for d in /sys/fs/cgroup/*/docker /sys/fs/cgroup/*/libpod_parent /sys/fs/cgroup/docker \
    /sys/fs/cgroup/libpod_parent; do
    if [ -d "$d" ]; then echo "$d"; fi
  done >"$T/cgroups-before"
}

# Unmounts what the peers left under $T (deepest first) and removes the
# peer cgroups this file made.
clean_peers() {
  awk -v d="$T" '$5 ~ "^"d {print $5}' /proc/self/mountinfo | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null || true; done
  for d in /sys/fs/cgroup/*/libpod_parent/conmon /sys/fs/cgroup/*/libpod_parent \
    /sys/fs/cgroup/*/docker /sys/fs/cgroup/libpod_parent/conmon /sys/fs/cgroup/libpod_parent \
    /sys/fs/cgroup/docker; do
    [ -d "$d" ] || continue
    grep -qx "${d%/conmon}" "$T/cgroups-before" 2>/dev/null && continue
    rmdir "$d" 2>/dev/null || true
  done
}

# layout_manifest LAYOUT REFNAME: the manifest digest an OCI layout's
# index.json names by org.opencontainers.image.ref.name.
layout_manifest() {
  jq -r --arg r "$2" \
    '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $r) | .digest' \
    "$1/index.json"
}

# blob LAYOUT DIGEST: the path of a blob in a layout.
blob() {
  echo "$1/blobs/sha256/${2#sha256:}"
}

# Sets APP_ID (config digest), APP_DIFF_IDS (JSON array) and APP_MANIFEST
# from make_image.sh's layout at $T/layout, tag app.
read_app_image() {
  APP_MANIFEST=$(layout_manifest "$T/layout" app)
  APP_ID=$(jq -r .config.digest "$(blob "$T/layout" "$APP_MANIFEST")")
  APP_DIFF_IDS=$(jq -c .rootfs.diff_ids "$(blob "$T/layout" "$APP_ID")")
  export APP_ID APP_DIFF_IDS APP_MANIFEST
}

# snapshot_file PATH: the layer directory entry berthd unpacked for PATH
# (inside an image's root filesystem), empty when there is none.
snapshot_file() {
  find "$DATA/snapshots/layers" -path "*/fs/$1" 2>/dev/null | head -1
}

# berth_has_app NAME: NAME in berthd is make_image.sh's app image: its ID,
# diff_ids and config, and its files in berthd's layer snapshots (the app
# layer's file, the whiteout for the deleted /etc/group, busybox itself).
berth_has_app() {
  local id layers hello wh bb
  id=$(b inspect -f '{{.Id}}' "$1")
  [ "$id" = "$APP_ID" ] || { echo "$1: ID $id, want $APP_ID"; return 1; }
  layers=$(b inspect -f '{{json .RootFS.Layers}}' "$1")
  [ "$layers" = "$APP_DIFF_IDS" ] || { echo "$1: layers $layers, want $APP_DIFF_IDS"; return 1; }
  [ "$(b inspect -f '{{json .Config.Cmd}}' "$1")" = '["cat","/app/hello"]' ] || return 1
  hello=$(snapshot_file app/hello)
  [ -n "$hello" ] && [ "$(cat "$hello")" = "hello from the app layer" ] ||
    { echo "$1: no app/hello in the snapshots"; return 1; }
  wh=$(find "$DATA/snapshots/layers" -path '*/fs/etc/group' -type c | head -1)
  [ -n "$wh" ] && [ "$(stat -c %t:%T "$wh")" = "0:0" ] ||
    { echo "$1: no whiteout for etc/group"; return 1; }
  bb=$(snapshot_file bin/busybox)
  cmp "$bb" "$(command -v busybox)" || { echo "$1: bin/busybox differs"; return 1; }
}
