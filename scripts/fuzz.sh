#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (+ASan/UBSan) and runs each for N seconds
# (default 60) from a seed corpus in tests/fuzz/corpus/<target>/ when there is one.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${1:-60}"
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
  -DCMAKE_CXX_COMPILER=clang++ -DENGRAM_FUZZ=ON -DENGRAM_TESTS=OFF -DENGRAM_BENCH=OFF >/dev/null
ninja -C build-fuzz
export ENGRAM_TOKENIZER="${ENGRAM_TOKENIZER:-${ENGRAM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/engram}/tokenizers/deepseek_v3/tokenizer.json}"
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for bin in build-fuzz/fuzz/fuzz_*; do
  name=$(basename "$bin")
  work="build-fuzz/corpus/$name"
  mkdir -p "$work"
  seeds=()
  [[ -d "tests/fuzz/corpus/$name" ]] && seeds+=("tests/fuzz/corpus/$name")
  echo "fuzz: $name for ${SECONDS_EACH}s"
  "$bin" -max_total_time="$SECONDS_EACH" -rss_limit_mb=4096 -print_final_stats=1 "$work" "${seeds[@]}" 2>&1 | tail -n 4
done
