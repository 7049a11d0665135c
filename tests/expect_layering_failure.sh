#!/usr/bin/env bash
# scripts/check_layering.py must fail on a tree that breaks each of its rules: a copy of
# src/ and include/ in which serve links train, memory includes serve/ and a public header
# includes an internal one. Each violation must be named.
set -euo pipefail
root="${1:?usage: expect_layering_failure.sh REPO_ROOT SCRATCH}" scratch="${2:?}"
rm -rf "$scratch" && mkdir -p "$scratch"
cp -r "$root/src" "$root/include" "$scratch/"
sed -i 's/target_link_libraries(engram_serve PUBLIC /&engram_train /' "$scratch/src/serve/CMakeLists.txt"
echo '#include "serve/sampler.h"' >>"$scratch/src/memory/zipf.cpp"
echo '#include "core/error.h"' >>"$scratch/include/engram/store.h"
if out="$(python3 "$root/scripts/check_layering.py" "$scratch" 2>&1)"; then
  echo "check_layering passed a tree with three violations:"; echo "$out"; exit 1
fi
for want in "src/serve: links engram_train" "src/memory/zipf.cpp" "include/engram/store.h"; do
  grep -qF "$want" <<<"$out" || { echo "violation not named: '$want' in:"; echo "$out"; exit 1; }
done
echo "ok: every violation named"
