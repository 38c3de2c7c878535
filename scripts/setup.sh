#!/usr/bin/env bash
# Installs every Debian package berth's build, tests and benchmarks need.
# Idempotent: does nothing when all are present.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake ninja-build pkg-config ccache clang-format
  nlohmann-json3-dev libcli11-dev libfmt-dev libspdlog-dev libseccomp-dev libcap-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # images and the daemon: sha256, metadata, layer archives, registry HTTP, API server
  libssl-dev libsqlite3-dev libarchive-dev libzstd-dev zlib1g-dev libisal-dev liblzma-dev libbz2-dev
  libcurl4-openssl-dev
  libboost1.81-dev
  # tests: a busybox rootfs, bats, jq, and the peers we compare against
  busybox-static bats jq util-linux iproute2 python3 runc crun hyperfine time
  # conformance: the peers' clients driving berth-runtime
  podman docker.io
  # images: a real registry and third-party image tools
  docker-registry skopeo umoci apache2-utils zstd debootstrap curl
  # the token server of the auth tests signs its JWTs with the openssl CLI
  openssl
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "setup: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
