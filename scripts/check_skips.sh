#!/usr/bin/env bash
# Fails when ctest skipped a test this machine can run: reads the JUnit file of
# `ctest --output-junit FILE` (scripts/test.sh writes BUILD_DIR/ctest-junit.xml) and lists
# every skipped test with its reason (the GTEST_SKIP message). A skip passes only if its
# reason matches a pattern of the allowlist, which names why this machine cannot run it.
#
# Usage: scripts/check_skips.sh JUNIT.xml [ALLOWLIST]
#   ALLOWLIST (default $ENGRAM_SKIP_ALLOWLIST, else scripts/skip_allowlist.txt): one Python
#   regular expression per line, searched in the skip reason; '#' starts a comment. A line
#   may end in `@unless-cpu FLAG...`: the pattern then counts only on a machine whose
#   /proc/cpuinfo lacks one of those flags, so a CPU-feature skip on a CPU that has the
#   feature is still an error.
# Disabled tests (DISABLED_ in gtest) are listed, not counted: they are marked in the code.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
junit="${1:?usage: check_skips.sh JUNIT.xml [ALLOWLIST]}"
allow="${2:-${ENGRAM_SKIP_ALLOWLIST:-$here/skip_allowlist.txt}}"
[[ -f "$junit" ]] || { echo "check_skips: no JUnit file '$junit' (run ctest --output-junit)" >&2; exit 2; }
[[ -f "$allow" ]] || { echo "check_skips: no allowlist '$allow'" >&2; exit 2; }

exec python3 - "$junit" "$allow" <<'EOF'
import re, sys
import xml.etree.ElementTree as ET

junit, allow_path = sys.argv[1], sys.argv[2]
def cpu_flags():
    try:
        for l in open("/proc/cpuinfo", encoding="utf-8"):
            if l.startswith("flags"):
                return set(l.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


flags = cpu_flags()
patterns = []
for n, line in enumerate(open(allow_path, encoding="utf-8"), 1):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    line, _, unless = line.partition("@unless-cpu")
    line, need = line.strip(), unless.split()
    if unless and not need:
        sys.exit(f"check_skips: {allow_path}:{n}: @unless-cpu names no CPU flag")
    if need and all(f in flags for f in need):
        print(f"check_skips: {allow_path}:{n}: not applied, this CPU has {' '.join(need)}")
        continue
    try:
        patterns.append(re.compile(line))
    except re.error as e:
        sys.exit(f"check_skips: {allow_path}:{n}: bad pattern {line!r}: {e}")


def reason(out):
    # gtest prints "<file>:<line>: Skipped" then the message, then "[  SKIPPED ] <test>".
    lines = out.splitlines()
    for i, l in enumerate(lines):
        if l.rstrip().endswith(": Skipped"):
            msg = []
            for m in lines[i + 1:]:
                if m.startswith("[  SKIPPED ]") or m.startswith("[       OK ]") or m.startswith("[  FAILED  ]"):
                    break
                msg.append(m.strip())
            return " ".join(x for x in msg if x) or "(GTEST_SKIP without a message)"
    return "(no skip message in the test output)"


cases = ET.parse(junit).getroot().iter("testcase")
total, bad, allowed, disabled = 0, [], [], []
for c in cases:
    total += 1
    name = c.get("name")
    if c.get("status") == "disabled":
        disabled.append(name)
    if c.find("skipped") is None or c.get("status") == "disabled":
        continue
    why = reason(c.findtext("system-out") or "")
    (allowed if any(p.search(why) for p in patterns) else bad).append((name, why))

if total == 0:
    sys.exit(f"check_skips: {junit} lists no tests")
for name, why in allowed:
    print(f"check_skips: allowed skip: {name}: {why}")
for name in disabled:
    print(f"check_skips: disabled (DISABLED_ in the code): {name}")
for name, why in bad:
    print(f"check_skips: error: {name} was skipped: {why}", file=sys.stderr)
if bad:
    print(f"check_skips: {len(bad)} of {total} tests skipped without an allowlisted reason; fix what they need, "
          f"or add the reason to {allow_path} saying why this machine cannot run them", file=sys.stderr)
    sys.exit(1)
print(f"check_skips: {total} tests, {len(allowed)} allowed skips, {len(disabled)} disabled, no other skips")
EOF
