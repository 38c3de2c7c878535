#!/usr/bin/env bash
# berth's main job, end to end as far as it goes today: an image is pushed
# to a local registry (docker-registry, loopback only), berthd pulls it
# (`berth pull`: parallel layer download, verified, unpacked into shared
# overlay snapshots), and berth-runtime runs a container whose root is an
# overlay of the pulled image's layers, running the image's own command.
# Until the engine runs containers itself (`berth run`), this script mounts
# the snapshot the way the engine will.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
BIN=$PWD/${BUILD_DIR:-build}/src/bin
work=$(mktemp -d /tmp/berth-demo-XXXXXX)
pids=()
cleanup() {
  umount "$work/bundle/rootfs" 2>/dev/null || true
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

echo "== a container from the image: its layers under an overlay, its command and env"
top=$(berth inspect -f '{{.GraphDriver.Data.UpperDir}}' "$image")
lower=$(berth inspect -f '{{.GraphDriver.Data.LowerDir}}' "$image")
mkdir -p "$work/bundle/rootfs" "$work/upper" "$work/ovl-work"
mount -t overlay overlay -o "lowerdir=$top:$lower,upperdir=$work/upper,workdir=$work/ovl-work" \
  "$work/bundle/rootfs"
mkdir -p "$work/bundle/rootfs"/{proc,sys,dev}
(cd "$work/bundle" && "$BIN/berth-runtime" spec)
cmd=$(berth inspect -f '{{json .Config.Cmd}}' "$image")
env=$(berth inspect -f '{{json .Config.Env}}' "$image")
cwd=$(berth inspect -f '{{.Config.WorkingDir}}' "$image")
jq --argjson cmd "$cmd" --argjson env "$env" --arg cwd "$cwd" \
  '.process.terminal = false | .process.args = ["sh", "-c", "echo \"pid $$ in $(pwd), GREETING=$GREETING\"; exec \"$@\"", "sh"] + $cmd
   | .process.env += $env | .process.cwd = $cwd | .hostname = "berth-demo" | .root.readonly = false' \
  "$work/bundle/config.json" >"$work/bundle/config.new" && mv "$work/bundle/config.new" "$work/bundle/config.json"
"$BIN/berth-runtime" --root "$work/runtime" run --bundle "$work/bundle" "demo-$$"
