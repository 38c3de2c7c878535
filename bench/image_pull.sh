#!/usr/bin/env bash
# Side-by-side: pull and unpack a two-layer image (bench/image_fixture.sh:
# ~125 MB compressed, ~260 MB unpacked) from a local docker-registry, with
# berthd (when built), dockerd (docker.io) and podman, in one hyperfine run.
# Each run starts from an empty image store (the image is removed in
# --prepare, which also syncs, so that no puller pays for the writeback of
# the one before it). Also times gunzip of the largest layer alone, the floor any
# puller pays for decompression on one core.
#
# Usage: bench/image_pull.sh [RUNS]      (as root)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
LAYOUT=$(bench/image_fixture.sh | tail -1)
work=$(mktemp -d /tmp/berth-pullbench-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  podman --root "$work/podman" --runroot "$work/podman-run" rmi -af >/dev/null 2>&1 || true
  umount -R "$work"/docker/* 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { for _ in $(seq 1 100); do eval "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "timed out: $1" >&2; return 1; }

# The registry, with the fixture pushed by skopeo.
PORT=$(free_port)
cat >"$work/registry.yml" <<YML
version: 0.1
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: 127.0.0.1:$PORT
log:
  level: error
YML
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
pids+=($!)
wait_for "curl -sf http://127.0.0.1:$PORT/v2/"
IMAGE=127.0.0.1:$PORT/bench/debian:latest
skopeo copy --dest-tls-verify=false "oci:$LAYOUT:debian" "docker://$IMAGE" >/dev/null

# dockerd with a private data root (no networking needed to pull).
dockerd --data-root "$work/docker" --exec-root "$work/docker-exec" --pidfile "$work/docker.pid" \
  --host "unix://$work/docker.sock" --bridge none --iptables=false >"$work/dockerd.log" 2>&1 &
pids+=($!)
DOCKERD_PID=$!
wait_for "docker -H unix://$work/docker.sock version"
DK="docker -H unix://$work/docker.sock"
PM="podman --root $work/podman --runroot $work/podman-run"

args=()
BERTH=build/src/bin/berth
if [ -x build/src/bin/berthd ] && [ -x "$BERTH" ]; then
  build/src/bin/berthd --data-root "$work/berth" --exec-root "$work/berth-exec" \
    -H "unix://$work/berth.sock" >"$work/berthd.log" 2>&1 &
  pids+=($!)
  BERTHD_PID=$!
  wait_for "$BERTH -H unix://$work/berth.sock version"
  BT="$BERTH -H unix://$work/berth.sock"
  args+=(-n berth --prepare "$BT rmi -f $IMAGE >/dev/null 2>&1; sync" "$BT pull -q $IMAGE")
fi
args+=(-n docker --prepare "$DK rmi -f $IMAGE >/dev/null 2>&1; sync" "$DK pull -q $IMAGE")
args+=(-n podman --prepare "$PM rmi -f $IMAGE >/dev/null 2>&1; sync" "$PM pull -q --tls-verify=false $IMAGE")
largest=$(ls -S "$LAYOUT"/blobs/sha256/* | head -1)
args+=(-n gunzip-largest-layer --prepare true "gzip -dc $largest")

hyperfine --runs "$RUNS" --export-json "$work/h.json" --output=null "${args[@]}" >/dev/null
echo "pull of a 2-layer image ($(du -cm $(ls -S "$LAYOUT"/blobs/sha256/* | head -2) | tail -1 | cut -f1) MB compressed) from a local registry, $RUNS runs (medians):"
base=$(jq -r '.results[] | select(.command=="docker") | .median' "$work/h.json")
jq -r --argjson base "$base" '.results[] |
  "  \(.command | . + " " * (22 - length)) median \(.median * 100 | round / 100) s   vs docker \(.median / $base | . * 100 | round / 100)x"' \
  "$work/h.json"
# Peak resident memory of each daemon over all its pulls (VmHWM): a
# streaming puller's stays far below the layer sizes.
peak() { awk '/VmHWM/ {printf "%.0f MB", $2 / 1024}' "/proc/$1/status"; }
echo "daemon peak RSS over the runs: ${BERTHD_PID:+berthd $(peak "$BERTHD_PID"), }dockerd $(peak "$DOCKERD_PID")"
