#!/usr/bin/env bash
# Side-by-side: `cp CONTAINER:/tree DIR` of a 100 MB tree (10 directories
# of 100 files of 100 KiB of random bytes) out of a running container,
# berth vs dockerd 20.10, R rounds each (default 5); then the same tree
# copied back into the container (`cp DIR CONTAINER:/back`). Only the
# copies are timed; the destination is removed between rounds, the
# rounds alternate between the engines, and a first round warms up. Prints
# medians and the ratio docker/berth, and the time a local `cp -r` of the
# tree takes on the same file system, the floor under both.
#
# Usage: bench/cp.sh [ROUNDS]      (as root)
# Environment: BERTHD, BERTH (default build/src/bin/), BENCH_PEERS
# (default "docker").
set -euo pipefail
# shellcheck disable=SC2016,SC2086  # commands for the container; client command lines are word lists
cd "$(dirname "$0")/.."
R=${1:-5}
BENCH_PEERS=${BENCH_PEERS-docker}
# shellcheck source=bench/engines.sh
. bench/engines.sh
bench_init cp
start_engines

median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'; }
# timed FILE CMD...: appends CMD's wall time in seconds to FILE.
timed() {
  local f=$1 t0 t1
  shift
  t0=$(date +%s.%N)
  "$@" >/dev/null
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f\n", b - a}' >>"$f"
}

declare -A OUT IN
for e in "${ENGINES[@]}"; do
  # shellcheck disable=SC2046
  ${CLI[$e]} run -d $(run_flags "$e") --name tree bb:1 sleep 100000 >/dev/null
  ${CLI[$e]} exec tree sh -c 'for d in $(seq 10); do mkdir -p /tree/d$d;
    for f in $(seq 100); do head -c 102400 /dev/urandom > /tree/d$d/f$f; done; done'
  : >"$W/out-$e"
  : >"$W/in-$e"
done
# Rounds alternate the engines (berth, docker, berth, docker, ...): what
# the machine does meanwhile (writeback, a neighbour) falls on both alike.
# Round 0 is a warm-up, not counted: the first copies after the engines
# start ran up to twice as slow as the rest, for every engine.
for round in $(seq 0 "$R"); do
  for e in "${ENGINES[@]}"; do
    out=$W/out-$e in=$W/in-$e
    [ "$round" -gt 0 ] || out=/dev/null in=/dev/null
    rm -rf "$W/dst"
    sync
    timed "$out" ${CLI[$e]} cp tree:/tree "$W/dst"
    [ "$(find "$W/dst" -type f | wc -l)" -eq 1000 ] || { echo "$e: cp out copied $(find "$W/dst" -type f | wc -l) files" >&2; exit 1; }
    ${CLI[$e]} exec tree rm -rf /back
    sync
    timed "$in" ${CLI[$e]} cp "$W/dst" tree:/back
  done
done
for e in "${ENGINES[@]}"; do
  [ "$(${CLI[$e]} exec tree sh -c 'find /back -type f | wc -l')" -eq 1000 ] ||
    { echo "$e: cp in copied the wrong number of files" >&2; exit 1; }
  OUT[$e]=$(median <"$W/out-$e")
  IN[$e]=$(median <"$W/in-$e")
  ${CLI[$e]} rm -f tree >/dev/null
done

# The file system's own floor: the same tree copied by coreutils `cp -r`
# on the same file system, R rounds, the copy removed between them. No
# engine copies faster than the kernel creates the files; on ext4 this
# floor moves run to run (see bench/README.md).
: >"$W/floor"
if [ -d "$W/dst" ]; then
  for round in $(seq 0 "$R"); do
    rm -rf "$W/floor-copy"
    sync
    timed "$([ "$round" -gt 0 ] && echo "$W/floor" || echo /dev/null)" cp -r "$W/dst" "$W/floor-copy"
  done
  rm -rf "$W/floor-copy"
fi

report() {
  local what=$1 name=$2
  local -n med=$name
  echo "$what, $R rounds each, medians:"
  for e in "${ENGINES[@]}"; do
    line=$(printf '  %-8s %7s s' "$e" "${med[$e]}")
    if [ -n "${med[berth]:-}" ] && [ "$e" != berth ]; then
      line+=$(awk -v a="${med[$e]}" -v b="${med[berth]}" 'BEGIN {printf "   %s/berth %.2fx", "'"$e"'", a / b}')
    fi
    echo "$line"
  done
}
report "cp of a 100 MB tree (1000 files) out of a running container" OUT
report "cp of the same tree into the running container" IN
[ -s "$W/floor" ] && echo "coreutils cp -r of the same tree on the same file system (the floor): $(median <"$W/floor") s"
print_footer
