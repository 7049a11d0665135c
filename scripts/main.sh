#!/usr/bin/env bash
# The main job: set up (idempotent), build, and run the addressing pipeline end to end on
# real sentences: tokens, canonical (compressed) ids, and row ids for each Engram layer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build engram_cli
./build/engram pipeline --text "${1:-Only Alexander the Great could tame the horse Bucephalus.}"
./build/engram compress | head -n 20
