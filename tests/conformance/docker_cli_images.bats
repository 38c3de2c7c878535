#!/usr/bin/env bats
# The real docker CLI (whichever `docker` is on PATH: docker.io's 20.10 on
# a fresh Debian 12) against berthd, through DOCKER_HOST, for the image
# commands: pull, images, inspect, tag, history, rmi, save, load and push.

load ../integration/daemon_helpers

setup_file() {
  [ "$(id -u)" -eq 0 ] || skip "daemon tests need root"
  command -v docker >/dev/null || skip "no docker CLI"
  T=$(mktemp -d /tmp/berth-dockercli-XXXXXX)
  export T
  start_registry
  export REG
  start_berthd
  export SOCK DATA
}

teardown_file() {
  [ -n "${T:-}" ] || return 0
  stop_berthd
  stop_registry
  rm -rf "$T"
}

d() {
  DOCKER_HOST="unix://$SOCK" DOCKER_CONFIG="$T/docker-config" docker "$@"
}

@test "docker version and info talk to berthd" {
  run d version --format '{{.Server.APIVersion}} {{.Server.Os}}'
  [ "$status" -eq 0 ]
  [ "$output" = "1.47 linux" ]
  [ "$(d info --format '{{.DockerRootDir}}')" = "$DATA" ]
}

@test "docker pull, images, inspect, history and tag" {
  run d pull "$REG/test/app"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Status: Downloaded newer image for $REG/test/app:latest"* ]]
  run d images --format '{{.Repository}}:{{.Tag}} {{.Size}}'
  [[ "$output" == *"$REG/test/app:latest 2.13MB"* ]]
  [ "$(d image inspect -f '{{.Config.WorkingDir}} {{len .RootFS.Layers}}' "$REG/test/app")" = "/app 2" ]
  [ "$(d inspect --type image -f '{{index .Config.Labels "org.berth.test"}}' "$REG/test/app")" = app ]
  d tag "$REG/test/app" cli/app:1
  [ "$(d images -q cli/app)" = "$(d images -q "$REG/test/app")" ]
  run d history cli/app:1
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -ge 3 ]
}

@test "docker save and load round-trip through berthd" {
  d pull -q "$REG/test/base"
  d save -o "$T/base.tar" "$REG/test/base"
  d rmi "$REG/test/base"
  run d load -i "$T/base.tar"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Loaded image: $REG/test/base:latest"* ]]
  d image inspect "$REG/test/base" >/dev/null
}

@test "docker rmi and the errors docker users see" {
  d pull -q "$REG/test/base"
  run d rmi "$REG/test/base"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Deleted: sha256:"* ]]
  run d rmi "$REG/test/base"
  [ "$status" -ne 0 ]
  [[ "$output" == *"No such image"* ]]
  run d pull "$REG/test/missing"
  [ "$status" -ne 0 ]
  [[ "$output" == *"manifest for $REG/test/missing:latest not found"* ]]
}

@test "docker push uploads through berthd, and -a pushes every tag" {
  d pull -q "$REG/test/app"
  d tag "$REG/test/app" "$REG/cli/pushed:1"
  d tag "$REG/test/app" "$REG/cli/pushed:2"
  run d push "$REG/cli/pushed:1"
  echo "$output"
  [ "$status" -eq 0 ]
  # The layers already in the registry's test/app are mounted, not sent.
  [[ "$output" == *"Mounted from test/app"* ]]
  [[ "$output" == *"1: digest: sha256:"* ]]
  run d push -a "$REG/cli/pushed"
  echo "$output"
  [ "$status" -eq 0 ]
  run curl -sf "http://$REG/v2/cli/pushed/tags/list"
  echo "$output"
  [ "$(echo "$output" | jq -c '.tags | sort')" = '["1","2"]' ]
  # The registry serves what was pushed: the manifest's config is the image ID.
  run curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://$REG/v2/cli/pushed/manifests/2"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r .config.digest)" = "$(d image inspect -f '{{.Id}}' "$REG/cli/pushed:2")" ]
}
