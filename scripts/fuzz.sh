#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (+ASan/UBSan) and runs each for N seconds
# (default 60) from its seed corpus in tests/fuzz/corpus/<target>/ (every target must have
# one; the same corpora replay in ctest as FuzzReplay.<name>).
#   bash scripts/fuzz.sh [SECONDS]
# Each target's full log goes to build-fuzz/logs/<target>.log, crash/timeout/OOM inputs to
# build-fuzz/artifacts/<target>/, the inputs it found to build-fuzz/corpus/<target>/.
# One input may run at most 10 s (-timeout=10); each target is also killed if it runs
# SECONDS + 120 s in all. Prints one line per target (executions, coverage, peak memory) and,
# for a target that fails, its log's tail and artifacts. Exits non-zero when any target fails.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${1:-60}"
[[ "$SECONDS_EACH" =~ ^[0-9]+$ && "$SECONDS_EACH" -gt 0 ]] || { echo "usage: fuzz.sh [SECONDS > 0]" >&2; exit 2; }
B=build-fuzz
cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
  -DCMAKE_CXX_COMPILER=clang++ -DENGRAM_FUZZ=ON -DENGRAM_TESTS=OFF -DENGRAM_BENCH=OFF >/dev/null
ninja -C "$B" fuzz_targets
export ENGRAM_TOKENIZER="${ENGRAM_TOKENIZER:-${ENGRAM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/engram}/tokenizers/deepseek_v3/tokenizer.json}"
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# The targets that need a file write their inputs under here (one folder per process).
export TMPDIR="$PWD/$B/tmp"
mkdir -p "$TMPDIR" "$B/logs"

# A libFuzzer statistic from a log, empty when absent (a crashed run prints no final stats).
stat_of() { { grep -m1 "^stat::$1:" "$2" || true; } | awk '{print $2}'; }
failed=()
for bin in "$B"/fuzz/fuzz_*; do
  name=$(basename "$bin")
  log="$B/logs/$name.log" work="$B/corpus/$name" art="$B/artifacts/$name/" seeds="tests/fuzz/corpus/$name"
  mkdir -p "$work" "$art"
  if [[ ! -d "$seeds" ]] || [[ -z "$(ls -A "$seeds")" ]]; then
    echo "fuzz: $name: FAILED: no seed corpus in $seeds"
    failed+=("$name")
    continue
  fi
  start=$(date +%s)
  rc=0
  timeout -k 10 $((SECONDS_EACH + 120)) "$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$art" "$work" "$seeds" >"$log" 2>&1 || rc=$?
  took=$(($(date +%s) - start))
  execs=$(stat_of number_of_executed_units "$log") rss=$(stat_of peak_rss_mb "$log")
  cov=$({ grep -oE 'cov: [0-9]+' "$log" || true; } | tail -n 1 | awk '{print $2}')
  if [[ $rc -eq 0 ]]; then
    echo "fuzz: $name: ok, ${execs:-?} execs in ${took}s, cov ${cov:-?}, peak rss ${rss:-?} MB, corpus $(ls "$work" | wc -l) + $(ls "$seeds" | wc -l) seeds"
  else
    why="exit status $rc"
    [[ $rc -eq 124 || $rc -eq 137 ]] && why="killed after $((SECONDS_EACH + 120))s"
    echo "fuzz: $name: FAILED ($why) after ${execs:-?} execs in ${took}s; full log: $log"
    echo "---- last 60 lines of $log ----"
    tail -n 60 "$log" || true
    echo "---- artifacts in $art ----"
    ls -l "$art" || true
    failed+=("$name")
  fi
done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: every target ran clean"
