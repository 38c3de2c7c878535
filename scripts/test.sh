#!/usr/bin/env bash
# The one command that builds berth from scratch and runs every test:
# unit tests (gtest), then integration tests (bats, as root, real containers).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
cd "${BUILD_DIR:-build}"
ctest --output-on-failure --timeout 600 "$@"
