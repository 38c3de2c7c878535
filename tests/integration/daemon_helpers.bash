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

# stop_pidfile FILE: kills the process whose PID FILE holds, waits for it,
# removes FILE. Nothing when FILE is missing.
stop_pidfile() {
  [ -f "$1" ] || return 0
  kill "$(cat "$1")" 2>/dev/null || true
  wait_gone "$(cat "$1")"
  rm -f "$1"
}

# run_registry DIR PORT [YAML]: writes DIR/registry.yml for a registry
# storing under DIR/data, on 127.0.0.1:PORT, with YAML appended (an auth
# section), and starts it; its PID goes to DIR/registry.pid.
run_registry() {
  local dir=$1 port=$2 extra=${3:-}
  mkdir -p "$dir/data"
  cat >"$dir/registry.yml" <<YML
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $dir/data}, delete: {enabled: true}}
http: {addr: 127.0.0.1:$port}
$extra
YML
  docker-registry serve "$dir/registry.yml" >"$dir/registry.log" 2>&1 &
  echo $! >"$dir/registry.pid"
  # Any HTTP answer (401 included) means it is up.
  wait_for curl -s -o /dev/null "http://127.0.0.1:$port/v2/"
}

# start_htpasswd_registry USER PASS: a registry under $T/hreg that wants
# HTTP basic auth (htpasswd, bcrypt) for everything; sets $HREG.
start_htpasswd_registry() {
  local port
  port=$(free_port)
  HREG=127.0.0.1:$port
  mkdir -p "$T/hreg"
  htpasswd -Bbn "$1" "$2" >"$T/hreg/htpasswd"
  run_registry "$T/hreg" "$port" \
    "auth: {htpasswd: {realm: test-basic, path: $T/hreg/htpasswd}}"
}

# start_token_registry USER PASS [pull|deny] [NAME]: a registry under
# $T/NAME (default treg) that wants bearer tokens, and the token server
# (tests/lib/token_server.py) that issues them, signed with a fresh
# self-signed key the registry trusts: USER:PASS may pull and push;
# anonymous clients may pull (the default) or nothing (deny). Sets $TREG;
# the token server logs each request to $T/NAME/token.log.
start_token_registry() {
  local user=$1 pass=$2 anon=${3:-pull} dir=$T/${4:-treg} port tport
  port=$(free_port)
  tport=$(free_port)
  TREG=127.0.0.1:$port
  mkdir -p "$dir"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=berth-test-token \
    -keyout "$dir/token.key" -out "$dir/token.crt" 2>/dev/null
  /usr/bin/python3 "$SRC/tests/lib/token_server.py" --port "$tport" \
    --key "$dir/token.key" --cert "$dir/token.crt" --user "$user" --password "$pass" \
    --issuer test-issuer --service test-registry --anonymous "$anon" \
    >"$dir/token.log" 2>&1 &
  echo $! >"$dir/token.pid"
  wait_for curl -s -o /dev/null "http://127.0.0.1:$tport/"
  run_registry "$dir" "$port" "auth:
  token:
    realm: http://127.0.0.1:$tport/token
    service: test-registry
    issuer: test-issuer
    rootcertbundle: $dir/token.crt"
}

# Stops every registry and token server that run_registry,
# start_htpasswd_registry and start_token_registry started under $T.
stop_auth_registries() {
  local f
  for f in "$T"/*/registry.pid "$T"/*/token.pid; do
    stop_pidfile "$f"
  done
}

# busybox_rootfs_tar TAR: a rootfs tarball of Debian's busybox-static with a
# link per applet and a root (and nobody) user, for `berth import`.
busybox_rootfs_tar() {
  local r=$T/bb-rootfs
  mkdir -p "$r/bin" "$r/etc" "$r/tmp"
  cp "$(command -v busybox)" "$r/bin/busybox"
  for a in $("$r/bin/busybox" --list); do
    [ "$a" = busybox ] || ln -sf busybox "$r/bin/$a"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n' >"$r/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
  tar -C "$r" --numeric-owner -cf "$1" .
  rm -rf "$r"
}

# stop_berthd_and_containers: every container of the test's berthd removed,
# the daemon stopped, and any mount left under its data root detached.
stop_berthd_and_containers() {
  local id
  for id in $(b ps -aq 2>/dev/null); do b rm -f "$id" >/dev/null 2>&1 || true; done
  stop_berthd
  for m in $(awk -v d="$T/data" '$2 ~ "^"d {print $2}' /proc/mounts | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
}

# The four hooks most daemon suites share. A file's setup_file calls
# daemon_suite_setup NAME [COMMAND...]: as root, with busybox and each
# COMMAND on the PATH (or every test skips), a temp dir $T (/tmp/berth-NAME-*)
# holding the busybox rootfs tar. Each test then gets a fresh berthd with
# that rootfs imported as bb:1 (daemon_test_setup, through berth with CMD sh;
# docker_test_setup, through the docker CLI with DOCKER_HOST set to berthd
# and any import options given), removed with its containers and state by
# daemon_test_teardown.
daemon_suite_setup() {
  local name=$1 c
  shift
  [ "$(id -u)" -eq 0 ] || skip "daemon tests need root"
  for c in busybox "$@"; do
    command -v "$c" >/dev/null || skip "no $c"
  done
  T=$(mktemp -d "/tmp/berth-$name-XXXXXX")
  export T
  busybox_rootfs_tar "$T/rootfs.tar"
}

daemon_suite_teardown() {
  [ -n "${T:-}" ] || return 0
  rm -rf "$T"
}

daemon_test_setup() {
  rm -rf "$T/data" "$T/run" "$T/berthd.log"
  start_berthd
  b import -c 'CMD ["sh"]' "$T/rootfs.tar" bb:1 >/dev/null
}

docker_test_setup() {
  rm -rf "$T/data" "$T/run" "$T/berthd.log"
  start_berthd
  export DOCKER_HOST=unix://$SOCK
  docker import "$@" "$T/rootfs.tar" bb:1 >/dev/null
}

daemon_test_teardown() {
  stop_berthd_and_containers
  rm -rf "$T/data" "$T/run"
}
