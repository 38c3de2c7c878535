#!/usr/bin/env bash
# Side-by-side: `exec ID true` on a running container (busybox bundle,
# default spec, `sleep` as its process), berth-runtime vs crun vs runc in one
# hyperfine run (medians, ratios vs crun). All three run in a private mount
# namespace where the cgroup v2 mount is hidden, as in runtime_run.sh (crun
# refuses this host's hybrid layout otherwise).
#
# Usage: bench/exec.sh [BERTH_RUNTIME] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
BERTH=$(readlink -f "${1:-build/src/bin/berth-runtime}")
RUNS=${2:-100}
if [ -z "${BERTH_BENCH_INNER:-}" ]; then
  export BERTH_BENCH_INNER=1
  exec unshare -m "$0" "$BERTH" "$RUNS"
fi
mount --make-rprivate /
if mountpoint -q /sys/fs/cgroup/unified; then umount -l /sys/fs/cgroup/unified; fi
work=$(mktemp -d /tmp/berth-bench-XXXXXX)
state=$(mktemp -d /run/berth-bench-XXXXXX)
declare -A BIN=([berth-runtime]=$BERTH [crun]=crun [runc]=runc)
ORDER=(berth-runtime crun runc)
cleanup() {
  for n in "${ORDER[@]}"; do "${BIN[$n]}" --root "$state/$n" delete --force bench >/dev/null 2>&1 || true; done
  rm -rf "$work" "$state"
}
trap cleanup EXIT
tests/lib/make_bundle.sh "$work/bundle" "$BERTH" >/dev/null
jq '.process.terminal = false | .process.args = ["sleep", "100000"]' "$work/bundle/config.json" \
  >"$work/c.json" && mv "$work/c.json" "$work/bundle/config.json"
args=()
for n in "${ORDER[@]}"; do
  "${BIN[$n]}" --root "$state/$n" run --detach --bundle "$work/bundle" bench </dev/null >/dev/null 2>&1
  args+=(-n "$n" "${BIN[$n]} --root $state/$n exec bench true")
done
hyperfine -N --warmup 10 --runs "$RUNS" --export-json "$work/h.json" "${args[@]}" >/dev/null
echo "exec of /bin/true in a running container, $RUNS runs each (hyperfine -N, medians):"
base=$(jq -r '.results[] | select(.command=="crun") | .median' "$work/h.json")
jq -r --argjson base "$base" '.results[] |
  "  \(.command | . + " " * (14 - length)) median \(.median * 1000 | . * 100 | round / 100) ms   vs crun \(.median / $base | . * 100 | round / 100)x"' \
  "$work/h.json"
