#!/usr/bin/env bash
# Vendors the oracle vectors the tests read into tests/data/oracle and keeps their checksums.
#
#   bash scripts/vendor_oracle.sh ORACLE_DIR            copy from ORACLE_DIR, rewrite SHA256SUMS and
#                                                       the checksum list in tests/data/README.md, verify
#   bash scripts/vendor_oracle.sh --check [ORACLE_DIR]  verify tests/data/oracle against SHA256SUMS (and
#                                                       README's copy of it);
#                                                       with ORACLE_DIR, also check that folder holds
#                                                       the same bytes (nothing is copied)
#
# ORACLE_DIR (required when copying) is the folder of the public oracle set to copy from.
# Only this script reads it; the build and the tests read tests/data/oracle alone.
# What is vendored: every file of the public set except the raw `*.input_ids.bin` arrays,
# which no test reads (the hashing tests start from the compressed ids, the layer tests from
# the hash ids). The list is recomputed from ORACLE_DIR on every copy (list_files below); if
# a test starts to read an input_ids array, drop that exclusion.
set -euo pipefail
check=0
if [[ "${1:-}" == "--check" ]]; then
  check=1
  shift
fi
# ORACLE_DIR is taken relative to the caller's directory; the default, to the repository.
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
if [[ $# -gt 0 ]]; then
  SRC="$(realpath -m -- "$1")"
elif [[ $check == 0 ]]; then
  echo "usage: scripts/vendor_oracle.sh ORACLE_DIR | --check [ORACLE_DIR]" >&2
  exit 2
fi
cd "$ROOT"
DEST=tests/data/oracle

# The files to vendor, relative to the oracle folder, sorted (C locale, stable across machines).
list_files() {
  (cd "$1" && find . -type f ! -name SHA256SUMS -printf '%P\n' | LC_ALL=C sort)
}

README=tests/data/README.md
# The checksum list inside README between the sha256sums markers, as SHA256SUMS lines.
readme_sums() { sed -n '/<!-- sha256sums:begin -->/,/<!-- sha256sums:end -->/p' "$README" | grep -E '^[0-9a-f]{64}  ' || true; }
write_readme_sums() {
  local tmp
  tmp=$(mktemp)
  awk -v sums="$DEST/SHA256SUMS" '
    /<!-- sha256sums:begin -->/ { print; print "```"; while ((getline l < sums) > 0) print l; print "```"; skip = 1; next }
    /<!-- sha256sums:end -->/ { skip = 0 }
    !skip { print }' "$README" >"$tmp"
  cat "$tmp" >"$README"
  rm -f "$tmp"
}

verify_dest() {
  [[ -f "$DEST/SHA256SUMS" ]] || { echo "vendor_oracle: $DEST/SHA256SUMS missing" >&2; exit 1; }
  (cd "$DEST" && sha256sum --quiet --strict -c SHA256SUMS)
  # No stray files beside the listed ones.
  local listed actual
  listed=$(awk '{print $2}' "$DEST/SHA256SUMS" | LC_ALL=C sort)
  actual=$(cd "$DEST" && find . -type f ! -name SHA256SUMS -printf '%P\n' | LC_ALL=C sort)
  if [[ "$listed" != "$actual" ]]; then
    echo "vendor_oracle: files in $DEST differ from SHA256SUMS:" >&2
    diff <(echo "$listed") <(echo "$actual") >&2 || true
    exit 1
  fi
  if [[ "$(readme_sums)" != "$(cat "$DEST/SHA256SUMS")" ]]; then
    echo "vendor_oracle: the checksum list in $README differs from $DEST/SHA256SUMS" >&2
    exit 1
  fi
  echo "vendor_oracle: $(wc -l <"$DEST/SHA256SUMS") files in $DEST match SHA256SUMS (and $README)"
}

if ((check)); then
  verify_dest
  if [[ $# -gt 0 ]]; then
    [[ -d "$SRC" ]] || { echo "vendor_oracle: oracle folder '$SRC' not found" >&2; exit 1; }
    (cd "$SRC" && sha256sum --quiet --strict -c "$ROOT/$DEST/SHA256SUMS")
    echo "vendor_oracle: $SRC holds the same bytes"
  fi
  exit 0
fi

[[ -d "$SRC" ]] || { echo "vendor_oracle: oracle folder '$SRC' not found (pass it as the argument)" >&2; exit 1; }
files=$(list_files "$SRC")
[[ -n "$files" ]] || { echo "vendor_oracle: no files in '$SRC'" >&2; exit 1; }
rm -rf "$DEST"
mkdir -p "$DEST"
while IFS= read -r f; do
  mkdir -p "$DEST/$(dirname "$f")"
  cp "$SRC/$f" "$DEST/$f"
  chmod 0644 "$DEST/$f"
done <<<"$files"
(cd "$DEST" && while IFS= read -r f; do sha256sum "$f"; done <<<"$files") >"$DEST/SHA256SUMS"
write_readme_sums
echo "vendor_oracle: copied $(wc -l <<<"$files") files from $SRC"
verify_dest
