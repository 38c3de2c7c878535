#!/usr/bin/env bats
# The real docker CLI (whichever `docker` is on PATH: docker.io's 20.10 on
# a fresh Debian 12) against berthd, through DOCKER_HOST, for `docker
# import`: a busybox rootfs tarball from a file and from stdin, with
# --change and --message, and the errors docker users see.

load ../integration/daemon_helpers

setup_file() {
  [ "$(id -u)" -eq 0 ] || skip "daemon tests need root"
  command -v docker >/dev/null || skip "no docker CLI"
  command -v busybox >/dev/null || skip "no busybox"
  T=$(mktemp -d /tmp/berth-dockercli-import-XXXXXX)
  export T
  mkdir -p "$T/rootfs/bin"
  cp "$(command -v busybox)" "$T/rootfs/bin/busybox"
  ln -s busybox "$T/rootfs/bin/sh"
  tar -C "$T/rootfs" --numeric-owner -cf "$T/rootfs.tar" .
  start_berthd
  export SOCK DATA
}

teardown_file() {
  [ -n "${T:-}" ] || return 0
  stop_berthd
  rm -rf "$T"
}

d() {
  DOCKER_HOST="unix://$SOCK" DOCKER_CONFIG="$T/docker-config" docker "$@"
}

@test "docker import from a file with changes and a message" {
  run d import -m "from docker" -c 'ENV A=1 B="two words"' -c 'CMD ["/bin/sh"]' \
    -c 'EXPOSE 8080/tcp' -c 'LABEL k=v' -c 'WORKDIR /srv' "$T/rootfs.tar" cli/imp:1
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
  [ "$(d image inspect -f '{{.Config.Env}}|{{.Config.Cmd}}|{{.Config.WorkingDir}}|{{.Comment}}' cli/imp:1)" = \
    "[A=1 B=two words]|[/bin/sh]|/srv|from docker" ]
  [ "$(d image inspect -f '{{index .Config.Labels "k"}} {{len .RootFS.Layers}}' cli/imp:1)" = "v 1" ]
  [[ "$(d image inspect -f '{{json .Config.ExposedPorts}}' cli/imp:1)" == '{"8080/tcp":{}}' ]]
  run d history cli/imp:1
  [[ "$output" == *"from docker"* ]]
  run d images cli/imp
  [[ "$output" == *"cli/imp"*"1"* ]]
}

@test "docker import from stdin, and docker's errors" {
  run sh -c "DOCKER_HOST=unix://$SOCK DOCKER_CONFIG=$T/docker-config docker import - cli/stdin < '$T/rootfs.tar'"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(d image inspect -f '{{.Comment}}' cli/stdin)" = "Imported from -" ]
  run d import -c 'RUN x' "$T/rootfs.tar" cli/bad
  [ "$status" -ne 0 ]
  [ "$output" = "Error response from daemon: RUN is not a valid change command" ]
  run d image inspect cli/bad
  [ "$status" -ne 0 ]
}
