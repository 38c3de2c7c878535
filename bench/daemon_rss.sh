#!/usr/bin/env bash
# Side-by-side: the memory an engine costs, idle and with N (default 50)
# running `sleep 1000` containers: berthd and one berth-shim per container;
# dockerd 20.10, its containerd and one containerd-shim-runc-v2 per
# container; podman 4.3 (no daemon) and one conmon per container. The
# containers' own processes (sleep) are the same everywhere and not counted.
#
# RSS is VmRSS from /proc/PID/status: what the targets are stated in, but it
# counts the pages a process shares (its binary's text, libc) in full in
# every process that maps them, so a sum of RSS over 50 shims overstates
# what 50 shims cost. PSS (/proc/PID/smaps_rollup) splits shared pages
# among the sharers; the sums of PSS are the fair totals.
#
# The engines are measured one after the other: each gets its N containers
# (started at once, as in container_burst.sh), a few seconds to settle,
# then its processes are read, its containers removed, and its daemons
# read once more.
#
# Usage: bench/daemon_rss.sh [N]      (as root)
# Environment: BERTHD, BERTH (default build/src/bin/), BENCH_PEERS
# (default "docker podman"), SETTLE (seconds before a reading, default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-50}
SETTLE=${SETTLE:-3}
# shellcheck source=bench/engines.sh
. bench/engines.sh
bench_init rss
start_engines

# daemons ENGINE: the pids of the engine's long-lived processes.
daemons() {
  case $1 in
    berth) echo "$BERTHD_PID" ;;
    # dockerd started its own containerd (a child, config under our exec root).
    docker) echo "$DOCKERD_PID $(pgrep -P "$DOCKERD_PID" -x containerd || true)" ;;
    podman) ;;
  esac
}
# monitor_name ENGINE: the comm of its per-container process (15 chars).
monitor_name() {
  case $1 in
    berth) echo berth-shim ;;
    docker) echo containerd-shim ;; # containerd-shim-runc-v2, cut by the kernel
    podman) echo conmon ;;
  esac
}
# sum_of FUNC PIDS...: FUNC (rss_kb or pss_kb) added up over PIDS.
sum_of() {
  local f=$1 t=0 p
  shift
  for p in "$@"; do t=$((t + $($f "$p"))); done
  echo "$t"
}

declare -A AFTER IDLE IDLE_PSS BUSY BUSY_PSS MON_N MON_AVG MON_MAX MON_SUM MON_PSS DETAIL_IDLE DETAIL_BUSY
sleep "$SETTLE"
for e in "${ENGINES[@]}"; do
  # shellcheck disable=SC2046
  IDLE[$e]=$(sum_of rss_kb $(daemons "$e"))
  # shellcheck disable=SC2046
  IDLE_PSS[$e]=$(sum_of pss_kb $(daemons "$e"))
  DETAIL_IDLE[$e]=$(for p in $(daemons "$e"); do printf '%s %s, ' "$(cat "/proc/$p/comm")" "$(mb "$(rss_kb "$p")")"; done)
done

for e in "${ENGINES[@]}"; do
  burst "$e" "$N"
  if [ "$BURST_FAILED" -gt 0 ]; then
    echo "$e: $BURST_FAILED of $N runs failed; their errors:" >&2
    burst_errors "$e" >&2
  fi
  sleep "$SETTLE"
  # shellcheck disable=SC2046
  BUSY[$e]=$(sum_of rss_kb $(daemons "$e"))
  # shellcheck disable=SC2046
  BUSY_PSS[$e]=$(sum_of pss_kb $(daemons "$e"))
  DETAIL_BUSY[$e]=$(for p in $(daemons "$e"); do printf '%s %s, ' "$(cat "/proc/$p/comm")" "$(mb "$(rss_kb "$p")")"; done)
  mapfile -t mons < <(pids_under "$(monitor_name "$e")")
  MON_N[$e]=${#mons[@]}
  if [ ${#mons[@]} -gt 0 ]; then
    rss=$(for p in "${mons[@]}"; do rss_kb "$p"; done)
    MON_SUM[$e]=$(echo "$rss" | awk '{t += $1} END {print t}')
    MON_AVG[$e]=$(echo "$rss" | awk '{t += $1} END {printf "%.0f", t / NR}')
    MON_MAX[$e]=$(echo "$rss" | sort -n | tail -1)
    MON_PSS[$e]=$(sum_of pss_kb "${mons[@]}")
  else
    MON_SUM[$e]=0 MON_AVG[$e]=0 MON_MAX[$e]=0 MON_PSS[$e]=0
  fi
  rm_all "$e"
  # Memory the daemons keep once the containers are gone.
  sleep "$SETTLE"
  # shellcheck disable=SC2046
  AFTER[$e]=$(sum_of rss_kb $(daemons "$e"))
done

kib() { awk -v k="$1" 'BEGIN {printf "%.0f KiB", k}'; }
# row LABEL FUNC: a table row, FUNC ENGINE giving each engine's cell.
row() {
  local line="| $1 |" e
  for e in "${ENGINES[@]}"; do line+=" $("$2" "$e") |"; done
  echo "$line"
}
c_head() { echo "$1"; }
c_rule() { echo ---; }
c_daemons() { case $1 in berth) echo berthd ;; docker) echo "dockerd + containerd" ;; podman) echo "(none)" ;; esac; }
c_fresh() { if [ "$1" = podman ]; then echo –; else mb "${FRESH_RSS[$1]}"; fi; }
c_idle() { if [ "$1" = podman ]; then echo –; else echo "$(mb "${IDLE[$1]}") (PSS $(mb "${IDLE_PSS[$1]}"))"; fi; }
c_busy() { if [ "$1" = podman ]; then echo –; else echo "$(mb "${BUSY[$1]}") (PSS $(mb "${BUSY_PSS[$1]}"))"; fi; }
c_after() { if [ "$1" = podman ]; then echo –; else mb "${AFTER[$1]}"; fi; }
c_mon() { echo "$(monitor_name "$1") ×${MON_N[$1]}"; }
c_avg() { kib "${MON_AVG[$1]}"; }
c_max() { kib "${MON_MAX[$1]}"; }
c_monpss() { if [ "${MON_N[$1]}" -gt 0 ]; then kib $((MON_PSS[$1] / MON_N[$1])); else echo –; fi; }
c_sum() { mb $((BUSY[$1] + MON_SUM[$1])); }
c_sumpss() { mb $((BUSY_PSS[$1] + MON_PSS[$1])); }
# What one more container costs: the daemons' growth plus its monitor (PSS).
c_per() { kib $(((BUSY_PSS[$1] - IDLE_PSS[$1] + MON_PSS[$1]) / N)); }

echo "### Memory: idle, and with $N running \`sleep 1000\` containers"
echo
row "" c_head
row "---" c_rule
row "daemons" c_daemons
row "daemons' RSS, just started" c_fresh
row "daemons' RSS, idle (0 containers, after the import)" c_idle
row "daemons' RSS, $N running" c_busy
row "daemons' RSS, after removing them all" c_after
row "per-container process" c_mon
row "its RSS, average" c_avg
row "its RSS, max" c_max
row "its PSS, average" c_monpss
row "total RSS, daemons + $N monitors" c_sum
row "total PSS, daemons + $N monitors" c_sumpss
row "PSS per container (daemons' growth + monitor)" c_per
if [ -n "${IDLE[berth]:-}" ]; then
  echo
  echo "Targets: berthd idle ≤ 15 MB: $(mb "${IDLE[berth]}") ($(mb "${FRESH_RSS[berth]}") before the import);" \
    "berth-shim ≤ 1 MB: $(kib "${MON_AVG[berth]}") average, $(kib "${MON_MAX[berth]}") max."
fi
echo
for e in "${ENGINES[@]}"; do
  [ "$e" = podman ] && continue
  echo "- $e daemons: idle ${DETAIL_IDLE[$e]%, }; with $N: ${DETAIL_BUSY[$e]%, }"
done
echo
echo "Containers started with (\$W is the temp dir; N clients at once):"
echo
for e in "${ENGINES[@]}"; do
  echo "    ${CLI[$e]//$W/\$W} run -d $(run_flags "$e") bb:1 sleep 1000"
done
echo
echo "Read: VmRSS of /proc/PID/status, Pss of /proc/PID/smaps_rollup, ${SETTLE} s after the last run returned."
print_footer
