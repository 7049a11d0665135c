#!/usr/bin/env bash
# ctest OracleMissingFails: runs the hashing oracle tests against an oracle folder that does
# not exist and passes only if they fail (non-zero exit, a FAILED line, the message naming the
# missing folder) and none of them was skipped.
#   expect_oracle_failure.sh TEST_BINARY MISSING_DIR
set -uo pipefail
bin="$1" missing="$2"
[[ ! -e "$missing" ]] || { echo "expect_oracle_failure: '$missing' exists" >&2; exit 1; }
out=$(ENGRAM_ORACLE="$missing" "$bin" --gtest_filter='*Oracle*' 2>&1)
rc=$?
echo "$out"
ok=1
[[ $rc -ne 0 ]] || { echo "expect_oracle_failure: exit status 0 with no oracle folder"; ok=0; }
grep -q '\[  FAILED  \]' <<<"$out" || { echo "expect_oracle_failure: no FAILED test"; ok=0; }
grep -q "oracle vectors not found at '$missing'" <<<"$out" || { echo "expect_oracle_failure: no message naming the folder"; ok=0; }
if grep -q '\[  SKIPPED \]' <<<"$out"; then echo "expect_oracle_failure: a test was skipped"; ok=0; fi
((ok)) && echo "expect_oracle_failure: oracle tests fail as they should"
((ok))
