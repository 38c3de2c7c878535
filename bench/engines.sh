# shellcheck shell=bash
# shellcheck disable=SC2034,SC2046  # globals read by the scripts; client
# command lines and flag lists are word lists, split on purpose
# Shared by the engine-level benchmarks (container_run.sh,
# container_burst.sh, daemon_rss.sh); sourced, not run. Starts berthd,
# dockerd (with its own containerd) and podman, each with private data and
# state roots under one temp dir, imports the same busybox rootfs into each
# as bb:1, and on exit removes every container, stops the daemons, unmounts
# what is left under the temp dir and deletes it.
#
# Nothing here touches another daemon on the machine: every process this
# file looks for (shims, containerd, conmon) is picked by our temp dir in
# its command line or by being our daemon's child, never by name alone.
#
# Environment: BERTHD, BERTH (default build/src/bin/...; berthd runs the
# berth-shim beside it);
# BENCH_PEERS (default "docker podman"; empty for berth alone): the peers to try.

BERTHD=${BERTHD:-$PWD/build/src/bin/berthd}
BERTH=${BERTH:-$PWD/build/src/bin/berth}
BENCH_PEERS=${BENCH_PEERS-docker podman}
ENGINES=()    # the engines that started, in the order of the tables
NOTES=()      # why a peer is missing, printed under the tables
declare -A CLI # engine -> its client command line (words, no shell quoting needed)
declare -A FRESH_RSS # engine -> its daemons' RSS (KiB) as soon as they answered

# bench_init NAME: the temp dir $W and the cleanup trap.
bench_init() {
  # Daemons, mounts and cgroups: nothing here works unprivileged.
  [ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 1; }
  # A short path: containerd's and the shims' sockets under it must fit
  # in sun_path (108 bytes).
  W=$(mktemp -d "/tmp/bb-$1-XXXX")
  trap bench_cleanup EXIT
  # BENCH_TMPFS=1: everything under $W (data roots, copy destinations) on
  # a tmpfs. On this host's ext4, creating files right after many were
  # deleted is slowed by the inode allocator (ext4's recently_deleted()
  # scan: most of a cp's kernel time in perf), a cost every engine pays
  # that varies run to run and hides what the engines do.
  if [ "${BENCH_TMPFS:-0}" = 1 ]; then
    mount -t tmpfs -o size=8g,mode=0700 bench "$W" || exit 1
  fi
  trap 'exit 130' INT TERM
  LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
}

# wait_for SECONDS CMD...: retries CMD every 0.1 s until it succeeds.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

# A busybox-static rootfs as a tarball (as tests/integration/containers.bats
# makes it): the one image every engine imports.
make_rootfs() {
  local r=$W/rootfs a
  mkdir -p "$r/bin" "$r/etc" "$r/tmp"
  cp "$(command -v busybox)" "$r/bin/busybox"
  for a in $("$r/bin/busybox" --list); do
    # An applet named busybox would overwrite the binary with a link to itself.
    [ "$a" = busybox ] || ln -sf busybox "$r/bin/$a"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n' >"$r/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
  tar -C "$r" --numeric-owner -cf "$W/rootfs.tar" .
}

# note MSG: a peer (or berth) left out, said under the tables and on stderr.
note() {
  NOTES+=("$1")
  echo "note: $1" >&2
}

start_berth() {
  if [ ! -x "$BERTHD" ] || [ ! -x "$BERTH" ]; then
    note "berth skipped: no $BERTHD or $BERTH (scripts/build.sh first)"
    return 0
  fi
  "$BERTHD" --config-file /dev/null --data-root "$W/berth" --exec-root "$W/bx" \
    -H "unix://$W/berth.sock" >"$W/berthd.log" 2>&1 &
  BERTHD_PID=$!
  if ! wait_for 20 curl -sf --unix-socket "$W/berth.sock" http://x/_ping; then
    note "berth skipped: berthd did not answer on $W/berth.sock in 20 s: $(tail -3 "$W/berthd.log")"
    return 0
  fi
  CLI[berth]="$BERTH -H unix://$W/berth.sock"
  FRESH_RSS[berth]=$(rss_kb "$BERTHD_PID")
  if ! ${CLI[berth]} import -c 'CMD ["sh"]' "$W/rootfs.tar" bb:1 >/dev/null 2>"$W/berth-import.err"; then
    note "berth skipped: import failed: $(cat "$W/berth-import.err")"
    return 0
  fi
  ENGINES+=(berth)
}

# dockerd 20.10 with a private data root and exec root; it starts its own
# containerd under the exec root (no /run/containerd here), so that
# containerd and its shims are ours alone. No bridge: containers run with
# --network none anyway, and no host iptables rules change.
start_docker() {
  if ! command -v dockerd >/dev/null || ! command -v docker >/dev/null; then
    note "docker skipped: dockerd or docker not installed"
    return 0
  fi
  dockerd --data-root "$W/docker" --exec-root "$W/dx" --pidfile "$W/dockerd.pid" \
    --host "unix://$W/docker.sock" --bridge=none --iptables=false --ip6tables=false \
    --ip-masq=false >"$W/dockerd.log" 2>&1 &
  DOCKERD_PID=$!
  if ! wait_for 30 docker -H "unix://$W/docker.sock" version; then
    note "docker skipped: dockerd did not answer in 30 s: $(tail -3 "$W/dockerd.log")"
    return 0
  fi
  CLI[docker]="docker -H unix://$W/docker.sock"
  FRESH_RSS[docker]=$(($(rss_kb "$DOCKERD_PID") + $(rss_kb "$(pgrep -P "$DOCKERD_PID" -x containerd || true)")))
  if ! ${CLI[docker]} import -c 'CMD ["sh"]' "$W/rootfs.tar" bb:1 >/dev/null 2>"$W/docker-import.err"; then
    note "docker skipped: import failed: $(cat "$W/docker-import.err")"
    return 0
  fi
  ENGINES+=(docker)
}

# podman 4.3 without a daemon: every state dir private (--root, --runroot,
# --tmpdir), runc (crun 1.8 refuses this host's hybrid cgroup layout),
# cgroupfs, file events. The host's hard RLIMIT_NOFILE/NPROC are below
# podman's defaults, hence the --ulimit flags in PODMAN_RUN_FLAGS.
start_podman() {
  if ! command -v podman >/dev/null; then
    note "podman skipped: not installed"
    return 0
  fi
  CLI[podman]="podman --root $W/podman --runroot $W/pr --tmpdir $W/pt --storage-driver overlay --cgroup-manager cgroupfs --events-backend file --runtime runc"
  if ! ${CLI[podman]} import -c 'CMD ["sh"]' "$W/rootfs.tar" bb:1 >/dev/null 2>"$W/podman-import.err"; then
    note "podman skipped: import failed: $(tail -1 "$W/podman-import.err")"
    return 0
  fi
  if ! ${CLI[podman]} run --rm $(run_flags podman) bb:1 true >/dev/null 2>"$W/podman-run.err"; then
    note "podman skipped: a first run failed: $(tail -1 "$W/podman-run.err")"
    return 0
  fi
  ENGINES+=(podman)
}

# run_flags ENGINE: the flags every engine's run gets: no network (docker's
# default bridge costs it a veth and netns setup per run that berth's
# --network none skips, so all go without).
run_flags() {
  case $1 in
    podman) echo "--network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024" ;;
    *) echo "--network none" ;;
  esac
}

start_engines() {
  make_rootfs
  start_berth
  local p
  for p in $BENCH_PEERS; do
    if declare -F "start_$p" >/dev/null; then "start_$p"; else note "$p skipped: no such peer (docker, podman)"; fi
  done
  if [ ${#ENGINES[@]} -eq 0 ]; then
    echo "no engine started" >&2
    exit 1
  fi
}

# rm_flags ENGINE: the flags of a forced remove. podman's rm -f first
# stops with the stop timeout (10 s for a sleep that ignores SIGTERM as
# pid 1); docker's and berth's kill at once, hence -t 0 for podman.
rm_flags() {
  case $1 in
    podman) echo "-f -t 0" ;;
    *) echo "-f" ;;
  esac
}

# rm_all ENGINE: removes every container of ENGINE (forced, in parallel).
rm_all() {
  local ids
  # Bounded: a daemon that hangs (a start that never returns holds the
  # container) must not hang the cleanup; what is left is killed after.
  # shellcheck disable=SC2086
  ids=$(timeout 30 ${CLI[$1]} ps -aq 2>/dev/null) || return 0
  [ -n "$ids" ] || return 0
  # shellcheck disable=SC2086  # ids split into words on purpose
  echo $ids | timeout 120 xargs -n 10 -P 5 ${CLI[$1]} rm $(rm_flags "$1") >/dev/null 2>&1 || true
}

# stop_pid PID: SIGTERM, up to 15 s, then SIGKILL.
stop_pid() {
  kill "$1" 2>/dev/null || return 0
  for _ in $(seq 150); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -9 "$1" 2>/dev/null || true
}

# pids_under NAME: pids of processes called NAME (comm, 15 chars) whose
# command line mentions our temp dir: this run's shims, not another's.
pids_under() {
  local p
  for p in $(pgrep -x "$1" || true); do
    # (one that exited since pgrep saw it has no cmdline to read)
    { tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null | grep -qF "$W/" && echo "$p"
  done
  return 0
}

bench_cleanup() {
  local status=$? e m
  set +e
  [ -n "${W:-}" ] && [ -d "$W" ] || exit "$status"
  for e in "${!CLI[@]}"; do rm_all "$e"; done
  [ -n "${BERTHD_PID:-}" ] && stop_pid "$BERTHD_PID"
  [ -n "${DOCKERD_PID:-}" ] && stop_pid "$DOCKERD_PID"
  # Shims of containers that rm could not remove (a daemon that hung):
  # they outlive their daemons by design, so end them here.
  for m in berth-shim containerd-shim conmon containerd; do
    for e in $(pids_under "$m"); do kill -9 "$e" 2>/dev/null; done
  done
  # Whatever is still mounted under $W (rootfs overlays, shm, netns
  # files), deepest first.
  awk -v d="$W/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null; done
  [ "${BENCH_TMPFS:-0}" = 1 ] && umount -l "$W"
  rm -rf "$W"
  exit "$status"
}

# rss_kb PID / pss_kb PID: resident and proportional set size in KiB.
# RSS counts the shared pages (the binary, libc) in every process that maps
# them; PSS splits them among the sharers, so PSS sums add up.
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
pss_kb() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }

# mb KIB: KiB as MB with one decimal.
mb() { awk -v k="$1" 'BEGIN {printf "%.1f MB", k / 1024}'; }

# print_footer: load average (other builds may share the 2 cores) and notes.
print_footer() {
  echo
  echo "Load average (1/5/15 min): $LOAD_START at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end; $(nproc) cores."
  local n
  for n in "${NOTES[@]}"; do echo "Note: $n"; done
  # What berthd complained of during the run, for a failure to report.
  if [ -f "$W/berthd.log" ]; then
    n=$(grep -ciE 'error|warn|fail' "$W/berthd.log" || true)
    if [ "$n" -gt 0 ]; then
      echo "Note: berthd logged $n error or warning lines; the first ones are on stderr."
      grep -iE 'error|warn|fail' "$W/berthd.log" | head -10 >&2
    fi
  fi
  return 0
}

# burst ENGINE N: starts N `run -d bb:1 sleep 1000` of ENGINE at once (N
# clients in the background, as N users or a script with `&` would), and
# waits for all. Sets BURST_SECS (wall time from the first client's start
# to the last one's exit), BURST_FAILED (clients that exited non-zero; their
# stderr is in $W/burst-ENGINE/I.err) and BURST_RUNNING (ps -q count after).
burst() {
  local e=$1 n=$2 d=$W/burst-$1 flags t0 t1 i p pids=()
  mkdir -p "$d"
  flags=$(run_flags "$e")
  t0=$(date +%s.%N)
  for i in $(seq "$n"); do
    # shellcheck disable=SC2086  # the client and flags are word lists
    ${CLI[$e]} run -d $flags bb:1 sleep 1000 >"$d/$i.out" 2>"$d/$i.err" &
    pids+=($!)
  done
  BURST_FAILED=0
  for p in "${pids[@]}"; do wait "$p" || BURST_FAILED=$((BURST_FAILED + 1)); done
  t1=$(date +%s.%N)
  BURST_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')
  BURST_RUNNING=$(${CLI[$e]} ps -q 2>/dev/null | wc -l)
}

# burst_errors ENGINE: the distinct error lines of the last burst, counted.
burst_errors() {
  cat "$W/burst-$1"/*.err 2>/dev/null | sort | uniq -c | sort -rn | head -5
}
