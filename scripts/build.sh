#!/usr/bin/env bash
# Configures and builds berth into ${BUILD_DIR:-build} (Ninja, ccache).
# BERTH_SANITIZE=1 builds with ASan and UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
# ccache hits across checkouts at other paths (CI clones anew each time).
export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} \
  -DBERTH_SANITIZE=${BERTH_SANITIZE:-OFF} >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"
