#!/usr/bin/env bats
# berth login / logout and the logins the client sends, against a real
# docker-registry on loopback that wants HTTP basic auth (htpasswd). The
# client keeps its logins in $DOCKER_CONFIG/config.json; berthd runs with
# a different, empty DOCKER_CONFIG, so a pull that works after a login
# proves the client passed the login along (X-Registry-Auth).

load daemon_helpers

# A registry at $REG that accepts only user:pass (daemon_helpers'
# htpasswd registry), holding private/base:latest.
start_auth_registry() {
  start_htpasswd_registry user pass
  REG=$HREG
  "$SRC/tests/lib/make_image.sh" "$T/layout" >/dev/null
  skopeo copy -q --dest-tls-verify=false --dest-creds user:pass \
    "oci:$T/layout:base" "docker://$REG/private/base:latest"
}

# login_stdin PASSWORD [ARGS...]: berth login -u user --password-stdin.
login_stdin() {
  local password=$1
  shift
  printf '%s\n' "$password" | b login -u user --password-stdin "$@"
}

setup_file() {
  [ "$(id -u)" -eq 0 ] || skip "daemon tests need root"
  T=$(mktemp -d /tmp/berth-login-XXXXXX)
  export T
  start_auth_registry
  export REG
}

teardown_file() {
  [ -n "${T:-}" ] || return 0
  stop_auth_registries
  rm -rf "$T"
}

setup() {
  rm -rf "$T/data" "$T/run" "$T/berthd.log" "$T/docker-config"
  export DOCKER_CONFIG=$T/docker-config
  CFG=$DOCKER_CONFIG/config.json
  DOCKER_CONFIG=$T/daemon-config start_berthd
}

teardown() {
  stop_berthd
  rm -rf "$T/data" "$T/run"
}

@test "login with a wrong password fails and stores nothing" {
  run login_stdin wrong "$REG"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"Error response from daemon: "*"unauthorized: incorrect username or password"* ]]
  [ ! -e "$CFG" ]
}

@test "login --password-stdin stores docker's auth entry, 0600, keeping other fields" {
  mkdir -p "$DOCKER_CONFIG"
  echo '{"psFormat": "table {{.ID}}", "auths": {"other.example:5000": {"auth": "YTpi"}}}' >"$CFG"
  run login_stdin pass "$REG"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[-1]}" = "Login Succeeded" ]
  [[ "$output" == *"WARNING! Your password will be stored unencrypted in $CFG."* ]]
  [ "$(stat -c %a "$CFG")" = 600 ]
  [ "$(jq -r --arg r "$REG" '.auths[$r].auth' "$CFG")" = "$(printf user:pass | base64)" ]
  [ "$(jq -r '.psFormat' "$CFG")" = "table {{.ID}}" ]
  [ "$(jq -r '.auths["other.example:5000"].auth' "$CFG")" = YTpi ]

  # Without flags, the stored login is tried first (no terminal needed).
  run b login "$REG" </dev/null
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "Authenticating with existing credentials..." ]
  [ "${lines[-1]}" = "Login Succeeded" ]

  # A failed login afterwards leaves the file as it was.
  cp "$CFG" "$T/before.json"
  run login_stdin wrong "$REG"
  [ "$status" -eq 1 ]
  cmp "$CFG" "$T/before.json"
}

@test "a private image pulls after login and not after logout" {
  run b pull "$REG/private/base"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"may require 'docker login'"* ]]

  run login_stdin pass "http://$REG/v2/"  # any spelling of the registry
  [ "$status" -eq 0 ]
  [ "$(jq -r '.auths | keys[]' "$CFG")" = "$REG" ]
  run b pull "$REG/private/base"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[-1]}" = "$REG/private/base:latest" ]

  run b logout "$REG"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "Removing login credentials for $REG" ]
  [ "$(jq -r '.auths | length' "$CFG")" = 0 ]
  b rmi "$REG/private/base"
  run b pull "$REG/private/base"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"Error response from daemon: pull access denied for $REG/private/base"* ]]

  run b logout "$REG"
  [ "$status" -eq 0 ]
  [ "$output" = "Not logged in to $REG" ]
  run b logout
  [ "$status" -eq 0 ]
  [ "$output" = "Not logged in to https://index.docker.io/v1/" ]
}

@test "login refuses to prompt without a terminal and checks its flags as docker does" {
  run b login "$REG" </dev/null
  [ "$status" -eq 1 ]
  [ "$output" = "Error: Cannot perform an interactive login from a non TTY device" ]
  run b login -u user "$REG" </dev/null
  [ "$status" -eq 1 ]
  [ "$output" = "Error: Cannot perform an interactive login from a non TTY device" ]
  run b login --password-stdin "$REG" </dev/null
  [ "$status" -eq 1 ]
  [ "$output" = "Must provide --username with --password-stdin" ]
  run b login -u user -p pass --password-stdin "$REG" </dev/null
  [ "$status" -eq 1 ]
  [ "${lines[0]}" = "WARNING! Using --password via the CLI is insecure. Use --password-stdin." ]
  [ "${lines[1]}" = "--password and --password-stdin are mutually exclusive" ]
  [ ! -e "$CFG" ]

  # -p works without a terminal, with docker's warning.
  run b login -u user -p pass "$REG" </dev/null
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "WARNING! Using --password via the CLI is insecure. Use --password-stdin." ]
  [ "${lines[-1]}" = "Login Succeeded" ]
  [ "$(jq -r --arg r "$REG" '.auths[$r].auth' "$CFG")" = "$(printf user:pass | base64)" ]
}

@test "push -a pushes every tag of the repository, push NAME only :latest" {
  login_stdin pass "$REG"
  b pull "$REG/private/base"
  b tag "$REG/private/base" "$REG/multi/app:v1"
  b tag "$REG/private/base" "$REG/multi/app:v2"

  run b push -a "$REG/multi/app:v1"
  [ "$status" -eq 1 ]
  [ "$output" = "tag can't be used with --all-tags/-a" ]

  # docker 20.10: no tag means :latest, which this repository lacks.
  run b push "$REG/multi/app"
  echo "$output"
  [ "$status" -eq 1 ]
  [ "${lines[0]}" = "Using default tag: latest" ]
  [[ "$output" == *"An image does not exist locally with the tag: $REG/multi/app"* ]]
  run curl -s -o /dev/null -w '%{http_code}' -u user:pass "http://$REG/v2/multi/app/tags/list"
  [ "$output" = 404 ]

  run b push --all-tags "$REG/multi/app"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"The push refers to repository [$REG/multi/app]"* ]]
  [[ "$output" == *"v1: digest: sha256:"* ]]
  [[ "$output" == *"v2: digest: sha256:"* ]]
  run curl -sf -u user:pass "http://$REG/v2/multi/app/tags/list"
  [ "$(jq -c '.tags | sort' <<<"$output")" = '["v1","v2"]' ]

  run b push -a -q "$REG/multi/app"
  [ "$status" -eq 0 ]
  [ "$output" = "$REG/multi/app" ]
}

# login_tty ARGS...: berth login on a pseudo-terminal, answering the
# username prompt with "user" and the password prompt with $PASSWORD once
# each prompt shows; prints everything the terminal showed.
login_tty() {
  /usr/bin/python3 - "$BERTH" "unix://$SOCK" "$@" <<'PY'
import os, pty, signal, sys
signal.alarm(30)
berth, host, args = sys.argv[1], sys.argv[2], sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(berth, [berth, "-H", host, "login"] + args)
seen = b""
def until(prompt):
    global seen
    while prompt not in seen:
        seen += os.read(fd, 1024)
until(b"Username: ")
os.write(fd, b"user\n")
until(b"Password: ")
os.write(fd, os.environ["PASSWORD"].encode() + b"\n")
while True:
    try:
        chunk = os.read(fd, 1024)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
sys.stdout.write(seen.decode().replace("\r\n", "\n"))
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
PY
}

@test "login on a terminal prompts for the username and the password, without echo" {
  PASSWORD=wrong run login_tty "$REG"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"Username: user"* ]]
  [[ "$output" != *wrong* ]]
  [ ! -e "$CFG" ]

  PASSWORD=pass run login_tty "$REG"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Username: user"*"Password: "* ]]
  [[ "$output" != *"Password: pass"* ]]
  [ "${lines[-1]}" = "Login Succeeded" ]
  [ "$(jq -r --arg r "$REG" '.auths[$r].auth' "$CFG")" = "$(printf user:pass | base64)" ]
}
