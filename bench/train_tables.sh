#!/usr/bin/env bash
# Training speed with the Engram tables in each memory tier (issue 5): the same model, data
# and seed trained for STEPS steps with --tables model, ram, mmap, pread + cache and
# ssd + cache, in interleaved rounds so machine drift hits every configuration alike.
# Prints per-step median tokens/s (steps 3.. of each run; checkpoint writes excluded) and
# the ratio to --tables model measured in the same round, plus the final loss (identical
# in every configuration: the stores train bit for bit as RAM tables).
# Usage: bench/train_tables.sh CONFIG [STEPS=20] [ROUNDS=2] [CACHE_MB=96]
set -euo pipefail
CONFIG=${1:?config}
STEPS=${2:-20}
ROUNDS=${3:-2}
CACHE=${4:-96}
ENGRAM=${ENGRAM:-build/engram}
DATA=${DATA:-$HOME/.cache/engram/corpora/kjv.txt}
OUT=${OUT:-/tmp/engram_train_tables}
kinds=("model 0" "ram 0" "mmap 0" "pread $CACHE" "ssd $CACHE")
printf '%-6s %-6s %9s %9s %12s %10s %10s\n' round tables cache_mb tok/s vs_model hit_rate loss
for ((r = 1; r <= ROUNDS; r++)); do
  base=""
  for spec in "${kinds[@]}"; do
    set -- $spec
    rm -rf "$OUT/$1"
    json=$("$ENGRAM" train "$CONFIG" --data "$DATA" --out "$OUT/$1" --steps "$STEPS" --eval-every 0 --ckpt-every 0 \
      --tables "$1" --table-cache-mb "$2" --json 2>/dev/null | tail -1)
    tps=$(/usr/bin/python3 - "$OUT/$1/metrics.jsonl" "$json" "$r" "$1" "$2" "${base:-0}" <<'PY'
import json, statistics, sys
steps = [json.loads(l) for l in open(sys.argv[1])]
j = json.loads(sys.argv[2])
tps = statistics.median(s["tokens_per_s"] for s in steps[2:])
base = float(sys.argv[6]) or tps
print(f"{sys.argv[3]:<6} {sys.argv[4]:<6} {sys.argv[5]:>9} {tps:9.0f} {tps / base:12.3f} {j['table_hit_rate']:10.3f} "
      f"{j['train_loss']:10.6f}", file=sys.stderr)
print(tps)
PY
)
    [[ -z $base ]] && base=$tps
  done
done
