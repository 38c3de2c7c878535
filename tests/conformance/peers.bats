#!/usr/bin/env bats
# The peers' own clients driving berth-runtime in place of runc: podman
# (`--runtime`) and dockerd (`--add-runtime`, which goes through containerd
# and its runc v2 shim with BinaryName set to berth-runtime). Images are a
# busybox rootfs imported locally (no registry needed). Everything lives
# under one temporary directory and goes away at the end.

bats_require_minimum_version 1.5.0

RUNTIME=${BERTH_RUNTIME:?set BERTH_RUNTIME to the berth-runtime binary}
SRC=${BERTH_SOURCE:-$(cd "$(dirname "$BATS_TEST_FILENAME")/../.." && pwd)}

setup_file() {
  [ "$(id -u)" -eq 0 ] || return 0
  export PEERS=$(mktemp -d /tmp/berth-peers-XXXXXX)
  # dockerd and podman (cgroupfs) make parent cgroups of their own; note
  # which exist already, so teardown removes only those this run made.
  for d in /sys/fs/cgroup/*/docker /sys/fs/cgroup/*/libpod_parent; do
    [ -d "$d" ] && echo "$d"
  done >"$PEERS/cgroups-before"
  # A copy: the build may be replaced while dockerd holds the path.
  cp "$RUNTIME" "$PEERS/berth-runtime"
  "$SRC/tests/lib/make_bundle.sh" "$PEERS/bundle" >/dev/null
  tar -C "$PEERS/bundle/rootfs" -c . >"$PEERS/rootfs.tar"
  if command -v dockerd >/dev/null; then
    dockerd --data-root "$PEERS/docker" --exec-root "$PEERS/dx" --pidfile "$PEERS/dockerd.pid" \
      --host "unix://$PEERS/docker.sock" --bridge=none --iptables=false --ip6tables=false \
      --add-runtime "berth=$PEERS/berth-runtime" >"$PEERS/dockerd.log" 2>&1 &
    for _ in $(seq 100); do
      DOCKER_HOST=unix://$PEERS/docker.sock docker version >/dev/null 2>&1 && break
      sleep 0.2
    done
    DOCKER_HOST=unix://$PEERS/docker.sock docker import "$PEERS/rootfs.tar" berth-bb:latest >/dev/null
  fi
  if command -v podman >/dev/null; then
    pm import "$PEERS/rootfs.tar" berth-bb >/dev/null
  fi
}

teardown_file() {
  [ -n "${PEERS:-}" ] || return 0
  if [ -S "$PEERS/docker.sock" ]; then
    DOCKER_HOST=unix://$PEERS/docker.sock docker rm -f $(DOCKER_HOST=unix://$PEERS/docker.sock docker ps -aq) >/dev/null 2>&1 || true
  fi
  if [ -f "$PEERS/dockerd.pid" ]; then
    pid=$(cat "$PEERS/dockerd.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do [ -e "/proc/$pid" ] || break; sleep 0.1; done
  fi
  command -v podman >/dev/null && pm rm -af >/dev/null 2>&1 || true
  # Whatever the peers left mounted under our directory, deepest first.
  awk -v d="$PEERS" '$5 ~ "^"d {print $5}' /proc/self/mountinfo | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null || true; done
  for h in /sys/fs/cgroup/*; do
    for d in libpod_parent/conmon libpod_parent docker; do
      [ -d "$h/$d" ] || continue
      grep -qx "$h/${d%%/*}" "$PEERS/cgroups-before" && continue
      rmdir "$h/$d" 2>/dev/null || true
    done
  done
  rm -rf "$PEERS"
}

pm() {
  podman --root "$PEERS/podman" --runroot "$PEERS/podman-run" --cgroup-manager cgroupfs \
    --events-backend file --runtime "$PEERS/berth-runtime" "$@"
}

dk() {
  DOCKER_HOST=unix://$PEERS/docker.sock docker "$@"
}

need() {
  [ "$(id -u)" -eq 0 ] || skip "needs root"
  command -v "$1" >/dev/null || skip "$1 not installed"
}

# This host's hard RLIMIT_NOFILE and RLIMIT_NPROC are below the 1048576
# podman asks for by default, which no runtime can raise (runc fails the
# same way), so the podman runs pass --ulimit explicitly.
UL=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

@test "podman runs a container with berth-runtime and gets its output and exit code" {
  need podman
  run pm run --rm --network none "${UL[@]}" --hostname berth-pm berth-bb sh -c 'hostname; echo pid=$$; exit 7'
  echo "$output"
  [ "$status" -eq 7 ]
  [ "${lines[0]}" = berth-pm ]
  [ "${lines[1]}" = pid=1 ]
}

@test "podman: detached container, stop and rm through berth-runtime" {
  need podman
  id=$(pm run -d --network none "${UL[@]}" berth-bb sleep 1000)
  [ "$(pm inspect -f '{{.State.Status}}' "$id")" = running ]
  [ "$(pm inspect -f '{{.OCIRuntime}}' "$id")" = "$PEERS/berth-runtime" ] ||
    [[ "$(pm inspect -f '{{.OCIRuntime}}' "$id")" == *berth-runtime* ]]
  pm stop -t 1 "$id" >/dev/null
  [ "$(pm inspect -f '{{.State.Status}}' "$id")" = exited ]
  pm rm "$id" >/dev/null
  run pm ps -aq
  [ -z "$output" ]
}

@test "dockerd (containerd + runc v2 shim) runs a container with berth-runtime" {
  need dockerd
  [ -S "$PEERS/docker.sock" ] || { cat "$PEERS/dockerd.log"; false; }
  run dk run --rm --runtime berth --network none --hostname berth-dk berth-bb sh -c 'hostname; echo pid=$$; grep -c . /proc/self/mountinfo; exit 3'
  echo "$output"
  [ "$status" -eq 3 ]
  [ "${lines[0]}" = berth-dk ]
  [ "${lines[1]}" = pid=1 ]
}

@test "dockerd: a detached berth container can be inspected, stopped and removed" {
  need dockerd
  id=$(dk run -d --runtime berth --network none berth-bb sleep 1000)
  [ "$(dk inspect -f '{{.State.Running}}' "$id")" = true ]
  [ "$(dk inspect -f '{{.HostConfig.Runtime}}' "$id")" = berth ]
  dk stop -t 1 "$id" >/dev/null
  [ "$(dk inspect -f '{{.State.Running}}' "$id")" = false ]
  dk rm "$id" >/dev/null
  run dk ps -aq
  [ -z "$output" ]
}
