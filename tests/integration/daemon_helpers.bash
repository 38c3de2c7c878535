# Shared setup for tests of berthd and the berth client (bats, as root):
# a docker-registry on loopback holding the test images, and a berthd with
# its own data root, exec root and socket. Everything lives under the temp
# dir $T that the test file makes and removes.

BERTHD=${BERTHD:?set BERTHD to the berthd binary}
BERTH=${BERTH:?set BERTH to the berth binary}
SRC=${BERTH_SOURCE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_for CMD...: retries CMD for up to 10 s.
wait_for() {
  for _ in $(seq 100); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  "$@"
}

# Starts a registry with the test images (base, app) under $T/registry,
# reachable as $REG (127.0.0.1:PORT).
start_registry() {
  local port
  port=$(free_port)
  REG=127.0.0.1:$port
  mkdir -p "$T/registry"
  cat >"$T/registry.yml" <<YML
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $T/registry}, delete: {enabled: true}}
http: {addr: 127.0.0.1:$port}
YML
  docker-registry serve "$T/registry.yml" >"$T/registry.log" 2>&1 &
  echo $! >"$T/registry.pid"
  wait_for curl -sf "http://$REG/v2/"
  "$SRC/tests/lib/make_image.sh" "$T/layout" >/dev/null
  for t in base app; do
    skopeo copy -q --dest-tls-verify=false "oci:$T/layout:$t" "docker://$REG/test/$t:latest"
  done
}

# Starts berthd on $SOCK with data root $DATA.
start_berthd() {
  DATA=$T/data
  SOCK=$T/berth.sock
  "$BERTHD" --config-file /dev/null --data-root "$DATA" --exec-root "$T/run" \
    -H "unix://$SOCK" >>"$T/berthd.log" 2>&1 &
  echo $! >"$T/berthd.pid"
  wait_for curl -sf --unix-socket "$SOCK" http://x/_ping
}

stop_berthd() {
  [ -f "$T/berthd.pid" ] || return 0
  kill "$(cat "$T/berthd.pid")" 2>/dev/null || true
  wait_gone "$(cat "$T/berthd.pid")"
  rm -f "$T/berthd.pid"
}

wait_gone() {
  for _ in $(seq 100); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -9 "$1" 2>/dev/null || true
}

stop_registry() {
  [ -f "$T/registry.pid" ] || return 0
  kill "$(cat "$T/registry.pid")" 2>/dev/null || true
  wait_gone "$(cat "$T/registry.pid")"
  rm -f "$T/registry.pid"
}

# b ARGS...: the berth client against this test's daemon.
b() {
  "$BERTH" -H "unix://$SOCK" "$@"
}

# api METHOD PATH [curl args]: a raw Engine API call; body on stdout.
api() {
  local m=$1 p=$2
  shift 2
  curl -sS --unix-socket "$SOCK" -X "$m" "http://x$p" "$@"
}

# The number of regular files under $DATA/$1.
count_files() {
  find "$DATA/$1" -type f 2>/dev/null | wc -l
}
