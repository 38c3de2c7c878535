#!/usr/bin/env bash
# Side-by-side: `run --rm bb:1 true` through each engine's own client, berthd
# vs dockerd 20.10 (containerd, runc) vs podman 4.3 (runc), in one hyperfine
# run: the whole path a user waits for (client, API, create, rootfs mount,
# shim, runtime, wait, remove). All with --network none so that no engine
# pays for a network namespace with a veth that another skips. The image is
# the same busybox rootfs imported into each (bench/engines.sh).
#
# Usage: bench/container_run.sh [RUNS]      (as root; RUNS default 20)
# Environment: BERTHD, BERTH (default build/src/bin/), BENCH_PEERS
# (default "docker podman"; e.g. BENCH_PEERS=docker to leave podman out).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-20}
# shellcheck source=bench/engines.sh
. bench/engines.sh
bench_init run
start_engines

args=()
for e in "${ENGINES[@]}"; do
  args+=(-n "$e" "${CLI[$e]} run --rm $(run_flags "$e") bb:1 true")
done
# -N: no shell between hyperfine and the client, so the figures are the
# engines' alone. Warmup: the first runs fill page cache and each daemon's
# lazily made state (cgroup parents, the image's lower dirs).
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$W/h.json" "${args[@]}" >"$W/hyperfine.out" 2>&1 ||
  { cat "$W/hyperfine.out" >&2; exit 1; }

echo "### \`run --rm bb:1 true\`, $RUNS runs each after 3 warmup runs (hyperfine -N)"
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
if [ -n "$bm" ]; then
  echo
  awk -v m="$bm" 'BEGIN {printf "Target: berth under 100 ms (goal 50 ms): %.1f ms, %s.\n", m * 1000, m < 0.1 ? "met" : "not met"}'
fi
echo
echo "Commands (as hyperfine ran them; \$W is the temp dir):"
echo
for e in "${ENGINES[@]}"; do
  echo "    ${CLI[$e]//$W/\$W} run --rm $(run_flags "$e") bb:1 true"
done
print_footer
