#!/usr/bin/env bash
# Side-by-side: `run --rm` with resource limits set (--memory 64m, --cpus
# 0.5, --pids-limit 100), berthd vs dockerd 20.10 (containerd, runc) in one
# hyperfine run: the limits cost each engine its cgroup writes (memory,
# memsw, cfs quota and period, pids.max) on top of a plain run. Both with
# --network none (see bench/engines.sh). The image is the same busybox
# rootfs imported into each.
#
# Usage: bench/run_limits.sh [RUNS]      (as root; RUNS default 20)
# Environment: BERTHD, BERTH (default build/src/bin/), BENCH_PEERS
# (default "docker"; podman may be added).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-20}
BENCH_PEERS=${BENCH_PEERS-docker}
# shellcheck source=bench/engines.sh
. bench/engines.sh
bench_init limits
start_engines

LIMITS="--memory 64m --cpus 0.5 --pids-limit 100"
args=()
for e in "${ENGINES[@]}"; do
  args+=(-n "$e" "${CLI[$e]} run --rm $(run_flags "$e") $LIMITS bb:1 true")
done
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$W/h.json" "${args[@]}" >"$W/hyperfine.out" 2>&1 ||
  { cat "$W/hyperfine.out" >&2; exit 1; }

echo "### \`run --rm $LIMITS bb:1 true\`, $RUNS runs each after 3 warmup runs (hyperfine -N)"
echo
base=$(jq -r '[.results[] | select(.command == "docker") | .median][0] // empty' "$W/h.json")
echo "| engine | median | mean ± σ | min | max | vs docker |"
echo "| --- | --- | --- | --- | --- | --- |"
jq -r --arg base "${base:-}" '.results[] |
  def ms: . * 1000 | . * 10 | round / 10 | tostring + " ms";
  "| \(.command) | \(.median | ms) | \(.mean | ms) ± \(.stddev | ms) | \(.min | ms) | \(.max | ms) | " +
  (if $base == "" then "–" else (.median / ($base | tonumber) | . * 100 | round / 100 | tostring) + "x" end) + " |"' \
  "$W/h.json"
bm=$(jq -r '[.results[] | select(.command == "berth") | .median][0] // empty' "$W/h.json")
if [ -n "$bm" ] && [ -n "$base" ]; then
  echo
  awk -v m="$bm" -v d="$base" 'BEGIN {printf "docker / berth: %.1fx (target: at least 3x): %s.\n", d / m, (d / m >= 3 ? "met" : "not met")}'
fi
echo
echo "Commands (as hyperfine ran them; \$W is the temp dir):"
echo
for e in "${ENGINES[@]}"; do
  echo "    ${CLI[$e]//$W/\$W} run --rm $(run_flags "$e") $LIMITS bb:1 true"
done
print_footer
