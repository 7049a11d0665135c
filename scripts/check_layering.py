#!/usr/bin/env python3
"""Checks that the libraries' dependencies point the way the design says.

The stages are the folders of src/, one static library each (src/<stage>/CMakeLists.txt,
target engram_<stage>). A file of src/<stage> may include "<other>/..." only when
engram_<stage> links engram_<other> (directly or through another stage), so the include
graph is the link graph and has no cycles. On top of that, links the design forbids (serving
must not depend on training) fail even if declared, and the public headers
(include/engram/*.h) include only the standard library and each other.

Usage: check_layering.py [REPO_ROOT]   (exit 1 with every violation listed)
"""
import pathlib
import re
import sys

FORBIDDEN = {("serve", "train"): "serving loads checkpoints through model/checkpoint_reader.h, not train/"}

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent)
src = root / "src"
stages = sorted(p.name for p in src.iterdir() if (p / "CMakeLists.txt").is_file())
links = {}
for s in stages:
    text = (src / s / "CMakeLists.txt").read_text()
    links[s] = set(re.findall(r"\bengram_(\w+)", " ".join(re.findall(r"target_link_libraries\(([^)]*)\)", text))))
    links[s] &= set(stages)
    links[s].discard(s)

def closure(s, seen=None):
    seen = set() if seen is None else seen
    for d in links[s]:
        if d not in seen:
            seen.add(d)
            closure(d, seen)
    return seen

errors = []
for s in stages:
    deps = closure(s)
    if s in deps:
        errors.append(f"src/{s}: its libraries link in a cycle back to engram_{s}")
    for (a, b), why in FORBIDDEN.items():
        if a == s and b in deps:
            errors.append(f"src/{s}: links engram_{b}: {why}")
    for f in sorted((src / s).glob("*")):
        if f.suffix not in (".h", ".cpp"):
            continue
        for n, line in enumerate(f.read_text().splitlines(), 1):
            m = re.match(r'\s*#\s*include\s+"(\w+)/', line)
            if m and m.group(1) not in (s, "engram") and m.group(1) not in deps:
                errors.append(f"{f.relative_to(root)}:{n}: includes {m.group(1)}/ but engram_{s} does not link "
                              f"engram_{m.group(1)}")
for f in sorted((root / "include" / "engram").glob("*.h")):
    for n, line in enumerate(f.read_text().splitlines(), 1):
        m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
        if m and not m.group(1).startswith("engram/"):
            errors.append(f"{f.relative_to(root)}:{n}: a public header includes \"{m.group(1)}\" (only engram/ and "
                          f"the standard library)")

for e in errors:
    print("check_layering: " + e, file=sys.stderr)
if errors:
    sys.exit(1)
print(f"check_layering: {len(stages)} stages, includes follow the link graph, no forbidden link")
