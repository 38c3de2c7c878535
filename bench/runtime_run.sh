#!/usr/bin/env bash
# Side-by-side: `run` of /bin/true in a busybox bundle with the default spec,
# berth-runtime vs crun vs runc, in one hyperfine run (medians and ratios),
# plus each runtime's peak RSS (GNU time's %M, the largest of the runtime
# process and the processes it waited for).
#
# crun 1.8.1 refuses this host's hybrid cgroup layout, so all three run in a
# private mount namespace where the cgroup v2 mount is hidden (the same view
# for each; the host's own mounts are untouched).
#
# Usage: bench/runtime_run.sh [BERTH_RUNTIME] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
BERTH=${1:-$PWD/build/src/bin/berth-runtime}
RUNS=${2:-100}
BERTH=$(readlink -f "$BERTH")

if [ -z "${BERTH_BENCH_INNER:-}" ]; then
  export BERTH_BENCH_INNER=1
  exec unshare -m "$0" "$BERTH" "$RUNS"
fi
mount --make-rprivate /
if mountpoint -q /sys/fs/cgroup/unified; then umount -l /sys/fs/cgroup/unified; fi

work=$(mktemp -d /tmp/berth-bench-XXXXXX)
# State roots on tmpfs, where runtimes keep them in real use (/run).
state=$(mktemp -d /run/berth-bench-XXXXXX)
trap 'rm -rf "$work" "$state"' EXIT
tests/lib/make_bundle.sh "$work/bundle" "$BERTH"
jq '.process.terminal = false | .process.args = ["/bin/true"]' "$work/bundle/config.json" \
  >"$work/c.json" && mv "$work/c.json" "$work/bundle/config.json"

declare -A CMD=(
  [berth-runtime]="$BERTH --root $state/berth run --bundle $work/bundle bench"
  [crun]="crun --root $state/crun run --bundle $work/bundle bench"
  [runc]="runc --root $state/runc run --bundle $work/bundle bench"
)
ORDER=(berth-runtime crun runc)

args=()
for n in "${ORDER[@]}"; do args+=(-n "$n" "${CMD[$n]}"); done
hyperfine -N --warmup 10 --runs "$RUNS" --export-json "$work/h.json" "${args[@]}" >/dev/null

echo "run of /bin/true, $RUNS runs each (hyperfine -N, medians):"
base=$(jq -r '.results[] | select(.command=="crun") | .median' "$work/h.json")
jq -r --argjson base "$base" '.results[] |
  "  \(.command | . + " " * (14 - length)) median \(.median * 1000 | . * 100 | round / 100) ms   vs crun \(.median / $base | . * 100 | round / 100)x"' \
  "$work/h.json"

echo "peak RSS (KiB, median of 20):"
for n in "${ORDER[@]}"; do
  vals=()
  for _ in $(seq 20); do
    vals+=("$( { /usr/bin/time -f %M ${CMD[$n]} >/dev/null; } 2>&1 | tail -1)")
  done
  med=$(printf '%s\n' "${vals[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf '  %-14s %s\n' "$n" "$med"
done
