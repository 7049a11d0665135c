#!/usr/bin/env bash
# Installs the build into a temporary prefix, builds examples/ against it with
# find_package(engram) (nothing from src/ or the build tree is visible to it), trains a
# tiny checkpoint with the CLI and runs the example on it.
#   install_test.sh BUILD_DIR SOURCE_DIR ENGRAM_CLI
set -euo pipefail
build="$1" src="$2" cli="$3"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >"$work/install.log"
# Only the public headers are installed.
if find "$work/prefix/include" -name '*.h' | grep -v '/include/engram/' | grep -q .; then
  echo "FAIL: headers outside include/engram were installed:"; find "$work/prefix/include" -name '*.h'; exit 1
fi
cmake -S "$src/examples" -B "$work/ex" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$work/prefix" \
  >"$work/configure.log" || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/ex" >"$work/build.log" || { cat "$work/build.log"; exit 1; }

cache="${ENGRAM_CACHE:-${XDG_CACHE_HOME:+$XDG_CACHE_HOME/engram}}"
cache="${cache:-$HOME/.cache/engram}"
tok="${ENGRAM_TOKENIZER:-$cache/tokenizers/deepseek_v3/tokenizer.json}"
[[ -f "$tok" ]] || { echo "FAIL: no tokenizer at $tok (run scripts/setup.sh)"; exit 1; }
[[ -f "$cache/corpora/kjv.txt" ]] || { echo "FAIL: no corpus at $cache/corpora/kjv.txt (run scripts/setup.sh)"; exit 1; }

head -c 60000 "$cache/corpora/kjv.txt" >"$work/corpus.txt"
cat >"$work/lm.json" <<'JSON'
{"d_model": 32, "n_layers": 2, "n_heads": 2, "max_seq_len": 32,
 "ffn": {"type": "moe", "hidden": 32, "n_experts": 4, "top_k": 2, "shared_hidden": 16},
 "engram": {"layer_ids": [1], "max_ngram_size": 3, "n_embed_per_ngram": 16, "n_head_per_ngram": 2,
            "engram_vocab_size": [3001, 3001], "pad_id": 2, "seed": 0, "kernel_size": 4}}
JSON
"$cli" train "$work/lm.json" --data "$work/corpus.txt" --tokenizer "$tok" --out "$work/run" --steps 3 --batch 2 \
  --eval-every 3 --eval-batches 1 --threads 1 >"$work/train.log" || { cat "$work/train.log"; exit 1; }

out="$("$work/ex/hello_engram" "$tok" "$work" "In the beginning God created the heaven and the earth." \
  "$work/run/checkpoint.safetensors" "And God said")"
echo "$out"
grep -q '^tokens: 11$' <<<"$out" || { echo "FAIL: expected 11 tokens"; exit 1; }
grep -q '^gathered 44 rows from a pread bf16 table: all match$' <<<"$out" || { echo "FAIL: gather"; exit 1; }
grep -q '^generated 8 tokens: And God said' <<<"$out" || { echo "FAIL: generate"; exit 1; }
echo "examples/ built against the installed package and ran"
