# Shared setup for berth-runtime's integration tests (bats, run as root).
# Each test gets its own bundle (busybox rootfs + default config) and its own
# --root, and must leave no container, mount or cgroup behind.

RUNTIME=${BERTH_RUNTIME:?set BERTH_RUNTIME to the berth-runtime binary}
SRC=${BERTH_SOURCE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

setup_bundle() {
  [ "$(id -u)" -eq 0 ] || skip "integration tests need root"
  BUNDLE=$(mktemp -d /tmp/berth-it-XXXXXX)
  ROOT=$BUNDLE.state
  CID=it-$$-$RANDOM
  "$SRC/tests/lib/make_bundle.sh" "$BUNDLE" "$RUNTIME"
  config '.process.terminal = false'
}

teardown_bundle() {
  if [ -n "${ROOT:-}" ] && [ -d "$ROOT" ]; then
    for id in $("$RUNTIME" --root "$ROOT" list -q 2>/dev/null); do
      "$RUNTIME" --root "$ROOT" delete --force "$id" >/dev/null 2>&1 || true
    done
    rm -rf "$ROOT"
  fi
  [ -n "${BUNDLE:-}" ] && rm -rf "$BUNDLE"
  return 0
}

# config JQ-FILTER: edits the bundle's config.json in place.
config() {
  jq "$1" "$BUNDLE/config.json" >"$BUNDLE/config.json.new"
  mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
}

# rt ARGS...: berth-runtime with this test's --root.
rt() {
  "$RUNTIME" --root "$ROOT" "$@"
}

# run_in ARGS...: runs ARGS as the container's process in the foreground,
# output in $output, exit code in $status.
run_in() {
  local args
  args=$(printf '%s\n' "$@" | jq -R . | jq -s .)
  config ".process.args = $args"
  run rt run --bundle "$BUNDLE" "$CID"
}

# The container's status field from `state`.
status_of() {
  rt state "$1" | jq -r .status
}

# Asserts that nothing of container $1 remains: no state dir, no cgroup.
assert_no_leftovers() {
  [ ! -e "$ROOT/$1" ] || { echo "state dir $ROOT/$1 left behind"; return 1; }
  local found
  found=$(find /sys/fs/cgroup -maxdepth 4 -type d -name "$1" 2>/dev/null | head -1)
  [ -z "$found" ] || { echo "cgroup $found left behind"; return 1; }
  ! grep -q "$BUNDLE" /proc/self/mountinfo || { echo "mount under $BUNDLE left behind"; return 1; }
}

# set_args ARGS...: the container's process.args.
set_args() {
  local args
  args=$(printf '%s\n' "$@" | jq -R . | jq -s .)
  config ".process.args = $args"
}

# create_ctr [ID] ARGS...: `create`s container ID (default $CID) running
# ARGS, stdio on /dev/null (so bats never waits on the container), then
# asserts it succeeded.
create_ctr() {
  set_args "$@"
  rt create --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>"$BUNDLE/create.err" ||
    { echo "create failed: $(cat "$BUNDLE/create.err")"; return 1; }
}

# run_detached ARGS...: `run --detach` of $CID running ARGS; its stdout and
# stderr go to $BUNDLE/out.
run_detached() {
  set_args "$@"
  rt run --detach --bundle "$BUNDLE" "$CID" </dev/null >"$BUNDLE/out" 2>&1 ||
    { echo "run --detach failed: $(cat "$BUNDLE/out")"; return 1; }
}

# pid_of ID: the init pid from `state`.
pid_of() {
  rt state "$1" | jq -r .pid
}

# wait_status ID STATUS: polls `state` for up to 5 s.
wait_status() {
  local i s
  for i in $(seq 50); do
    s=$(status_of "$1" 2>/dev/null) || true
    [ "$s" = "$2" ] && return 0
    sleep 0.1
  done
  echo "container $1 is '$s', expected '$2'"
  return 1
}

# add_mount JSON: appends one entry to .mounts.
add_mount() {
  config ".mounts += [$1]"
}

# assert_one_line TEXT: TEXT is exactly one non-empty line.
assert_one_line() {
  [ -n "$1" ] && [ "$(printf '%s\n' "$1" | wc -l)" -eq 1 ] ||
    { echo "expected a one-line error, got: <$1>"; return 1; }
}

# make_bundle.sh takes seconds (a link per applet). make_template (from
# setup_file) builds it once per bats run, under BATS_RUN_TMPDIR (which bats
# removes at the end), and setup_bundle_from_template (from setup) copies it:
# the same bundle as setup_bundle, in milliseconds.
make_template() {
  [ "$(id -u)" -eq 0 ] || return 0
  BERTH_TEMPLATE=${BATS_RUN_TMPDIR:?}/berth-template
  [ -d "$BERTH_TEMPLATE" ] && return 0
  local tmp
  tmp=$(mktemp -d "$BATS_RUN_TMPDIR/berth-template.XXXXXX")
  "$SRC/tests/lib/make_bundle.sh" "$tmp" "$RUNTIME"
  mv -T "$tmp" "$BERTH_TEMPLATE" 2>/dev/null || rm -rf "$tmp"
}

setup_bundle_from_template() {
  [ "$(id -u)" -eq 0 ] || skip "integration tests need root"
  local tmpl=${BATS_RUN_TMPDIR:-/nonexistent}/berth-template
  [ -d "$tmpl" ] || { setup_bundle; return; }
  BUNDLE=$(mktemp -d /tmp/berth-it-XXXXXX)
  ROOT=$BUNDLE.state
  CID=it-$$-$RANDOM
  cp -a "$tmpl/." "$BUNDLE/"
  config '.process.terminal = false'
}

# pid_gone PID: the process has exited (gone, or a zombie not yet reaped).
pid_gone() {
  [ ! -e "/proc/$1" ] || [ "$(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f1)" = Z ] ||
    { echo "pid $1 is still alive"; return 1; }
}

# cap_mask NAME...: the capability set NAME... as /proc/PID/status prints it.
cap_mask() {
  local all=(CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID
    SETPCAP LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW
    IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT
    SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE
    AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM
    BLOCK_SUSPEND AUDIT_READ PERFMON BPF CHECKPOINT_RESTORE)
  local mask=0 name i found
  for name in "$@"; do
    found=
    for i in "${!all[@]}"; do
      [ "CAP_${all[$i]}" = "$name" ] && { mask=$((mask | (1 << i))); found=1; }
    done
    [ -n "$found" ] || { echo "cap_mask: unknown $name" >&2; return 1; }
  done
  printf '%016x\n' "$mask"
}

# cap_field FIELD: CapInh/CapPrm/CapEff/CapBnd/CapAmb from a status text in
# $output.
cap_field() {
  awk -v f="$1:" '$1 == f {print $2}' <<<"$output"
}
