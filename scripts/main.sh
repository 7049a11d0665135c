#!/usr/bin/env bash
# The main job. On a fresh machine: install what is needed, build, fetch the tokenizer and
# the KJV corpus, train an Engram+MoE model and an MoE baseline with equal total and
# activated parameters for the same token budget, print their held-out losses side by side,
# generate a sample from each, and write the loss curves and a gate heatmap into an output
# folder named at the end.
#
#   bash scripts/main.sh            # full run (about 15 minutes on 2 cores after set-up and build)
#   bash scripts/main.sh --quick    # smoke test (a minute or two; CI runs it)
#   bash scripts/main.sh --out DIR  # choose the output folder
set -euo pipefail
cd "$(dirname "$0")/.."

QUICK=0
OUT=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --out) OUT="$2"; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "main.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

bash scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build engram_cli
if ninja -C build -t targets all | grep -q '^engram_python:'; then
  ninja -C build engram_python >/dev/null && bash scripts/install_python.sh build
fi

E=./build/engram
CACHE="${ENGRAM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/engram}"
CORPUS="$CACHE/corpora/kjv.txt"
OUT="${OUT:-out/main-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"
export ENGRAM_PROGRESS=1

if [[ $QUICK == 1 ]]; then
  STEPS=24
  TRAIN=(--steps $STEPS --batch 4 --eval-every 12 --warmup 4)
  GEN_TOKENS=16
else
  # engram train's defaults are the recipe (docs/RESULTS.md, "The training recipe").
  STEPS="${ENGRAM_STEPS:-500}"
  TRAIN=(--steps "$STEPS" --batch 16 --eval-every 50)
  GEN_TOKENS=48
fi

echo "== 1. The addressing pipeline (tokenizer -> compression -> n-gram hashing)"
$E pipeline --text "And it came to pass, when the children of Israel" | head -n 16

echo
echo "== 2. Training on the KJV text: Engram+MoE against an MoE baseline (same budget)"
$E train configs/kjv_engram_moe.json --data "$CORPUS" --out "$OUT/engram_moe" --label "engram+moe" "${TRAIN[@]}"
$E train configs/kjv_moe.json --data "$CORPUS" --out "$OUT/moe" --label "moe baseline" "${TRAIN[@]}"

echo
echo "== 3. Parameters (iso-parameter comparison)"
$E params "$OUT/engram_moe/checkpoint.safetensors" | head -n 4
$E params "$OUT/moe/checkpoint.safetensors" | head -n 4

echo
echo "== 4. Held-out loss, side by side (every window of the held-out split)"
L_ENG=$($E eval "$OUT/engram_moe/checkpoint.safetensors" --data "$CORPUS" --json)
L_MOE=$($E eval "$OUT/moe/checkpoint.safetensors" --data "$CORPUS" --json)
printf "%-14s %s\n%-14s %s\n" "engram+moe" "$L_ENG" "moe baseline" "$L_MOE" | tee "$OUT/heldout.txt"
# The difference beside the seed noise measured at this budget (docs/EXPERIMENTS.md).
python3 scripts/noise_band.py "$L_ENG" "$L_MOE" "$STEPS" | tee -a "$OUT/heldout.txt"
# The job checks its own numbers: every loss finite, and held-out below the first step's loss.
for pair in "engram_moe:$L_ENG" "moe:$L_MOE"; do
  python3 - "$OUT/${pair%%:*}/metrics.jsonl" "${pair#*:}" <<'PY'
import json, math, sys
lines = [json.loads(x) for x in open(sys.argv[1]) if x.strip()]
held = json.loads(sys.argv[2])["eval_loss"]
bad = [l["step"] for l in lines if not math.isfinite(l["loss"])]
if bad or not math.isfinite(held) or held >= lines[0]["loss"]:
    sys.exit(f"main.sh: {sys.argv[1]}: non-finite losses at steps {bad[:5]} or held-out {held} not below the first loss {lines[0]['loss']}")
PY
done

echo
echo "== 5. Samples (same prompt, same seed)"
PROMPT="And it came to pass"
for m in engram_moe moe; do
  echo "--- $m"
  $E generate --checkpoint "$OUT/$m/checkpoint.safetensors" --prompt "$PROMPT" --max-tokens "$GEN_TOKENS" --seed 7 \
    | tee "$OUT/$m/sample.txt"
done

echo
echo "== 6. Engram gates on a fixed phrase"
$E gates --checkpoint "$OUT/engram_moe/checkpoint.safetensors" \
  --text "And the LORD spake unto Moses, saying, Speak unto the children of Israel" --out "$OUT/gates" | tail -n 2

$E plot "engram+moe=$OUT/engram_moe/metrics.jsonl" "moe=$OUT/moe/metrics.jsonl" --out "$OUT/loss_curves.svg" \
  --title "KJV: Engram+MoE vs MoE (equal total and activated parameters)"

echo
echo "Results are in $OUT: loss_curves.svg, heldout.txt, gates/gates.html, gates/gates.svg, */sample.txt, */metrics.jsonl"
