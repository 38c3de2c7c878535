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
