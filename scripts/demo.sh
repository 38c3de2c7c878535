#!/usr/bin/env bash
# berth's main job, for now: build berth-runtime and run a busybox container
# that shows its own hostname, that it is PID 1, and its mounts.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
RUNTIME=$PWD/${BUILD_DIR:-build}/src/bin/berth-runtime
bundle=$(mktemp -d /tmp/berth-demo-XXXXXX)
trap 'rm -rf "$bundle"' EXIT
tests/lib/make_bundle.sh "$bundle"
jq '.process.terminal = false
    | .hostname = "berth-demo"
    | .process.args = ["sh", "-c", "echo \"hostname: $(hostname)\"; echo \"my pid: $$\"; echo mounts:; cat /proc/self/mounts"]' \
  "$bundle/config.json" > "$bundle/config.new" && mv "$bundle/config.new" "$bundle/config.json"
"$RUNTIME" --root /run/berth-demo run --bundle "$bundle" "demo-$$"
