#!/usr/bin/env bash
# Side-by-side: N (default 50) `run -d bb:1 sleep 1000` started at once, one
# engine after the other (berthd, dockerd 20.10, podman 4.3), each client in
# the background as N users or a script with `&` would start them. Reports
# the wall time until the last client returned, containers per second, the
# clients that failed (with their errors) and how many containers `ps` then
# shows running; then the time of one `rm -f` of all of them. Then the same
# burst in the foreground: N `run --rm bb:1 sh -c 'echo N; exit 3'` at
# once, with how many of them printed their line and returned 3 (a client
# that attaches after its container exited and was removed loses the
# output: the check that it does not).
#
# Usage: bench/container_burst.sh [N]      (as root)
# Environment: BERTHD, BERTH (default build/src/bin/), BENCH_PEERS
# (default "docker podman").
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-50}
# shellcheck source=bench/engines.sh
. bench/engines.sh
bench_init burst
start_engines

declare -A SECS FAILED RUNNING RM
for e in "${ENGINES[@]}"; do
  # Let the daemon (and the machine) settle after the last engine's work.
  sync
  sleep 2
  burst "$e" "$N"
  SECS[$e]=$BURST_SECS FAILED[$e]=$BURST_FAILED RUNNING[$e]=$BURST_RUNNING
  if [ "$BURST_FAILED" -gt 0 ]; then
    echo "$e: $BURST_FAILED of $N clients failed; their errors:" >&2
    burst_errors "$e" >&2
  fi
  # One client removing all of them: what a cleanup script does.
  ids=$(${CLI[$e]} ps -aq)
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086,SC2046
  [ -z "$ids" ] || ${CLI[$e]} rm $(rm_flags "$e") $ids >/dev/null 2>"$W/rm-$e.err" ||
    echo "$e: rm -f failed: $(tail -3 "$W/rm-$e.err")" >&2
  RM[$e]=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}')
  left=$(${CLI[$e]} ps -aq | wc -l)
  [ "$left" -eq 0 ] || echo "$e: $left containers left after rm -f" >&2
done

# fg_burst ENGINE: N foreground `run --rm` at once; sets FG_SECS, FG_LOST
# (clients whose output was not their line), FG_BADRC (exit status not 3),
# FG_LEFT (containers left).
declare -A FG_SECS FG_LOST FG_BADRC FG_LEFT
fg_burst() {
  local e=$1 d=$W/fg-$1 flags t0 i p pids=()
  mkdir -p "$d"
  flags=$(run_flags "$e")
  t0=$(date +%s.%N)
  for i in $(seq "$N"); do
    # shellcheck disable=SC2086
    { rc=0; ${CLI[$e]} run --rm $flags bb:1 sh -c "echo line$i; exit 3" >"$d/$i.out" 2>"$d/$i.err" || rc=$?; echo "$rc" >"$d/$i.rc"; } &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || true; done
  FG_SECS[$e]=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}')
  FG_LOST[$e]=0 FG_BADRC[$e]=0
  for i in $(seq "$N"); do
    [ "$(cat "$d/$i.out")" = "line$i" ] || FG_LOST[$e]=$((FG_LOST[$e] + 1))
    [ "$(cat "$d/$i.rc")" = 3 ] || FG_BADRC[$e]=$((FG_BADRC[$e] + 1))
  done
  FG_LEFT[$e]=$(${CLI[$e]} ps -aq | wc -l)
  if [ "${FG_LOST[$e]}" -gt 0 ] || [ "${FG_BADRC[$e]}" -gt 0 ]; then
    echo "$e: ${FG_LOST[$e]} of $N foreground runs lost their output, ${FG_BADRC[$e]} returned other than 3; stderr:" >&2
    cat "$d"/*.err | sort | uniq -c | sort -rn | head -5 >&2
  fi
}
for e in "${ENGINES[@]}"; do
  sync
  sleep 2
  fg_burst "$e"
  rm_all "$e"
done

echo "### $N \`run -d bb:1 sleep 1000\` at once, then one \`rm -f\` of all"
echo
echo "| engine | wall time | containers/s | failed | running after | vs docker | rm -f of all |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for e in "${ENGINES[@]}"; do
  rate=$(awk -v n="$N" -v f="${FAILED[$e]}" -v s="${SECS[$e]}" 'BEGIN {printf "%.1f", (n - f) / s}')
  vs="–"
  [ -n "${SECS[docker]:-}" ] && vs=$(awk -v a="${SECS[$e]}" -v b="${SECS[docker]}" 'BEGIN {printf "%.2fx", a / b}')
  echo "| $e | ${SECS[$e]} s | $rate | ${FAILED[$e]} | ${RUNNING[$e]} | $vs | ${RM[$e]} s |"
done
echo
echo "### $N \`run --rm bb:1 sh -c 'echo N; exit 3'\` at once (foreground)"
echo
echo "| engine | wall time | runs/s | output lost | exit status not 3 | containers left |"
echo "| --- | --- | --- | --- | --- | --- |"
for e in "${ENGINES[@]}"; do
  rate=$(awk -v n="$N" -v s="${FG_SECS[$e]}" 'BEGIN {printf "%.1f", n / s}')
  echo "| $e | ${FG_SECS[$e]} s | $rate | ${FG_LOST[$e]} | ${FG_BADRC[$e]} | ${FG_LEFT[$e]} |"
done
echo
echo "Commands (\$W is the temp dir; N clients in the background, then wait):"
echo
for e in "${ENGINES[@]}"; do
  echo "    ${CLI[$e]//$W/\$W} run -d $(run_flags "$e") bb:1 sleep 1000"
  echo "    ${CLI[$e]//$W/\$W} rm $(rm_flags "$e") ID..."
  echo "    ${CLI[$e]//$W/\$W} run --rm $(run_flags "$e") bb:1 sh -c 'echo N; exit 3'"
done
print_footer
