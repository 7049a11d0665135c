#!/usr/bin/env bash
# Builds the multi-threaded parts' tests with ThreadSanitizer and runs them: the memory
# tiers (stores, hot-row cache, prefetcher), tokenizer encoding from many threads, and
# generation through the prefetcher.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DENGRAM_TSAN=ON -DENGRAM_BENCH=OFF >/dev/null
ninja -C build-tsan test_memory test_tokenizer test_serve
# OpenMP's runtime (libgomp) is not TSan-instrumented: its barriers look like races, so
# the OpenMP parts run on one thread here; the std::thread code under test keeps its threads.
export OMP_NUM_THREADS=1 TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
for t in build-tsan/tests/memory/test_memory build-tsan/tests/tokenizer/test_tokenizer build-tsan/tests/serve/test_serve; do
  log="build-tsan/$(basename "$t").log"
  if "$t" --gtest_filter='-*Corpus*:*Slow*' >"$log" 2>&1; then
    echo "tsan: $t: $(grep -E '^\[  PASSED' "$log")"
  else
    tail -n 60 "$log"
    echo "tsan: $t failed" >&2
    exit 1
  fi
done
