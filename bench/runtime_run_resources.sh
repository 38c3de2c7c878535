#!/usr/bin/env bash
# Side-by-side: `run` of /bin/true with memory and pids limits set, against
# the same run without limits, berth-runtime vs crun vs runc in one
# hyperfine run (medians, ratios). As in runtime_run.sh, all three run in a
# private mount namespace where the cgroup v2 mount is hidden (crun refuses
# this host's hybrid layout); then berth-runtime alone on the real hybrid
# layout.
#
# Usage: bench/runtime_run_resources.sh [BERTH_RUNTIME] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
BERTH=$(readlink -f "${1:-build/src/bin/berth-runtime}")
RUNS=${2:-100}

if [ -z "${BERTH_BENCH_INNER:-}" ]; then
  work=$(mktemp -d /tmp/berth-bench-XXXXXX)
  trap 'rm -rf "$work"' EXIT
  tests/lib/make_bundle.sh "$work/plain" "$BERTH" >/dev/null
  jq '.process.terminal = false | .process.args = ["/bin/true"]' "$work/plain/config.json" \
    >"$work/c.json" && mv "$work/c.json" "$work/plain/config.json"
  cp -a "$work/plain" "$work/limited"
  jq '.linux.resources.memory = {"limit": 67108864} | .linux.resources.pids = {"limit": 64}' \
    "$work/plain/config.json" >"$work/limited/config.json"
  BERTH_BENCH_INNER=1 unshare -m "$0" "$BERTH" "$RUNS" "$work"
  echo "berth-runtime alone on the real hybrid layout ($RUNS runs each):"
  state=$(mktemp -d /run/berth-bench-XXXXXX)
  hyperfine -N --warmup 10 --runs "$RUNS" --export-json "$work/h2.json" \
    -n plain "$BERTH --root $state run --bundle $work/plain b" \
    -n limited "$BERTH --root $state run --bundle $work/limited b" >/dev/null
  rm -rf "$state"
  jq -r '.results[] | "  \(.command | . + " " * (10 - length)) median \(.median * 1000 | . * 100 | round / 100) ms"' "$work/h2.json"
  exit 0
fi
work=$3
mount --make-rprivate /
if mountpoint -q /sys/fs/cgroup/unified; then umount -l /sys/fs/cgroup/unified; fi
state=$(mktemp -d /run/berth-bench-XXXXXX)
trap 'rm -rf "$state"' EXIT
args=()
for rt in berth-runtime crun runc; do
  bin=$BERTH
  [ "$rt" = berth-runtime ] || bin=$rt
  for kind in plain limited; do
    args+=(-n "$rt $kind" "$bin --root $state/$rt run --bundle $work/$kind bench")
  done
done
hyperfine -N --warmup 10 --runs "$RUNS" --export-json "$work/h.json" "${args[@]}" >/dev/null
echo "run of /bin/true, $RUNS runs each, cgroup-v1 view (hyperfine -N, medians):"
jq -r '
  (.results | map({key: .command, value: .median}) | from_entries) as $m |
  .results[] | .command as $c | ($c | split(" ")) as $p |
  "  \($c | . + " " * (22 - length)) median \(.median * 1000 | . * 100 | round / 100) ms" +
  (if $p[1] == "limited" then "   (+\((.median - $m[$p[0] + " plain"]) * 1000 | . * 100 | round / 100) ms over plain; vs crun limited \(.median / $m["crun limited"] | . * 100 | round / 100)x)" else "" end)' \
  "$work/h.json"
