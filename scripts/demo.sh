#!/usr/bin/env bash
# berth's main job, end to end: an image is pushed to a local registry
# (docker-registry, loopback only), berthd pulls it (`berth pull`: parallel
# layer download, verified, unpacked into shared overlay snapshots), and
# `berth run` runs containers from it through berthd, each under its own
# berth-shim with docker's security baseline.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
BIN=$PWD/${BUILD_DIR:-build}/src/bin
work=$(mktemp -d /tmp/berth-demo-XXXXXX)
pids=()
cleanup() {
  "$BIN/berth" -H "unix://$work/berth.sock" rm -f demo web >/dev/null 2>&1 || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
wait_for() { for _ in $(seq 100); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done; "$@"; }
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

echo "== a registry on 127.0.0.1:$port with a two-layer busybox image"
printf 'version: 0.1\nlog: {level: error}\nstorage: {filesystem: {rootdirectory: %s}}\nhttp: {addr: 127.0.0.1:%s}\n' \
  "$work/registry" "$port" >"$work/registry.yml"
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
pids+=($!)
wait_for curl -sf "http://127.0.0.1:$port/v2/"
tests/lib/make_image.sh "$work/layout" >/dev/null
skopeo copy -q --dest-tls-verify=false "oci:$work/layout:app" "docker://127.0.0.1:$port/demo/app:latest"

echo "== berthd, and berth pull"
"$BIN/berthd" --data-root "$work/data" --exec-root "$work/run" -H "unix://$work/berth.sock" \
  >"$work/berthd.log" 2>&1 &
pids+=($!)
berth() { "$BIN/berth" -H "unix://$work/berth.sock" "$@"; }
wait_for berth version
image=127.0.0.1:$port/demo/app
berth pull "$image"
berth images

echo "== a container from the image, through berthd: berth run (its shim, its layers under an overlay)"
berth run --rm --name demo "$image" sh -c 'echo "pid $$ in $(pwd) on $(hostname), GREETING=$GREETING"; cat /proc/self/status | grep -E "^(CapEff|Seccomp):"'
echo "== a detached container, its logs, an exec, and a stop"
berth run -d --name web "$image" sh -c 'echo serving; exec sleep 1000' >/dev/null
berth ps
berth exec web sh -c 'echo "exec sees: $(ls /app)"'
berth logs web
berth stop -t 1 web >/dev/null
berth rm web >/dev/null
