#!/usr/bin/env bash
# The test command: set up (idempotent), configure, build, run the whole ctest suite, then
# fail if a test was skipped without a reason this machine is allowed (scripts/check_skips.sh).
# BUILD_DIR and CMAKE_ARGS may be set to build a variant (e.g. a sanitizer build). The
# Python module is installed into the system Python (scripts/install_python.sh). The
# Google Benchmark benches are not built here (nothing in the suite runs them; the `engram
# bench` subcommands are tested); ENGRAM_BENCH=ON builds them too.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
BUILD_DIR="${BUILD_DIR:-build}"
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" \
  -DENGRAM_BENCH="${ENGRAM_BENCH:-OFF}" ${CMAKE_ARGS:-} >/dev/null
ninja -C "$BUILD_DIR"
bash scripts/install_python.sh "$BUILD_DIR"   # `python3 -c "import engram"` works after this
export OMP_WAIT_POLICY=PASSIVE
junit="$(cd "$BUILD_DIR" && pwd)/ctest-junit.xml"
rm -f "$junit"
ctest --test-dir "$BUILD_DIR" --output-on-failure -j2 --output-junit "$junit" ${CTEST_ARGS:-}
bash scripts/check_skips.sh "$junit"
