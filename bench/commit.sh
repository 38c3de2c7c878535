#!/usr/bin/env bash
# Side-by-side: `commit` of a stopped container whose writable layer holds
# 100 MB of new files (100 files of 1 MiB of random bytes), berth vs
# dockerd 20.10, R rounds each (default 5), each round a fresh container
# (a commit of the same bytes again would find its layer already there).
# Only the commit is timed. Prints medians and the ratio docker/berth.
#
# Usage: bench/commit.sh [ROUNDS]      (as root)
# Environment: BERTHD, BERTH (default build/src/bin/), BENCH_PEERS
# (default "docker").
set -euo pipefail
# shellcheck disable=SC2016,SC2086  # commands for the container; client command lines are word lists
cd "$(dirname "$0")/.."
R=${1:-5}
BENCH_PEERS=${BENCH_PEERS-docker}
# shellcheck source=bench/engines.sh
. bench/engines.sh
bench_init commit
start_engines

median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'; }

declare -A MED
for e in "${ENGINES[@]}"; do
  : >"$W/times-$e"
  for i in $(seq "$R"); do
    # shellcheck disable=SC2046
    ${CLI[$e]} run $(run_flags "$e") --name "src$i" bb:1 sh -c \
      'mkdir /big && for i in $(seq 100); do head -c 1048576 /dev/urandom > /big/f$i; done' >/dev/null
    sync
    t0=$(date +%s.%N)
    ${CLI[$e]} commit "src$i" "img:$i" >/dev/null
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f\n", b - a}' >>"$W/times-$e"
    ${CLI[$e]} rm "src$i" >/dev/null
  done
  MED[$e]=$(median <"$W/times-$e")
done

echo "commit of a stopped container with 100 MB of changes (100 x 1 MiB), $R rounds each, medians:"
for e in "${ENGINES[@]}"; do
  line=$(printf '  %-8s %7s s   (runs: %s)' "$e" "${MED[$e]}" "$(tr '\n' ' ' <"$W/times-$e")")
  if [ -n "${MED[berth]:-}" ] && [ "$e" != berth ]; then
    line+=$(awk -v a="${MED[$e]}" -v b="${MED[berth]}" 'BEGIN {printf "   %s/berth %.2fx", "'"$e"'", a / b}')
  fi
  echo "$line"
done
print_footer
