#!/usr/bin/env bash
# The test command: set up (idempotent), configure, build, run the whole ctest suite.
# BUILD_DIR and CMAKE_ARGS may be set to build a variant (e.g. a sanitizer build).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
BUILD_DIR="${BUILD_DIR:-build}"
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" ${CMAKE_ARGS:-} >/dev/null
ninja -C "$BUILD_DIR"
export OMP_WAIT_POLICY=PASSIVE
ctest --test-dir "$BUILD_DIR" --output-on-failure -j2 ${CTEST_ARGS:-}
