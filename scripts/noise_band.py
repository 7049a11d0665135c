#!/usr/bin/env python3
"""The main job's verdict on its one Engram+MoE vs MoE pair, against the seed noise band
measured by `engram experiment experiments/iso_kjv.json` (docs/experiments/iso.jsonl).

    noise_band.py ENG_EVAL_JSON MOE_EVAL_JSON STEPS [RESULTS_JSONL]

A single pair's difference d (engram minus moe, same seed) counts only when it lies
outside +- t(0.975, n-1) * s, s the standard deviation of the n measured paired
differences at the same corpus (kjv) and step budget. Without
measured pairs at that budget it says so and claims nothing.
"""
import json
import math
import os
import sys

# Two-sided 95% Student t quantiles t(0.975, df), df = 1..10 (tables; df > 10 uses 2.0).
T975 = [12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281]


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    eng = json.loads(sys.argv[1])["eval_loss"]
    moe = json.loads(sys.argv[2])["eval_loss"]
    steps = int(sys.argv[3])
    path = sys.argv[4] if len(sys.argv) == 5 else os.path.join(os.path.dirname(__file__), "..", "docs",
                                                                  "experiments", "iso.jsonl")
    d = eng - moe
    print(f"difference engram+moe - moe: {d:+.4f} nats (one seed)")
    runs = {}
    if os.path.exists(path):
        for n, line in enumerate(open(path), 1):
            if not line.strip():
                continue
            r = json.loads(line)
            for k in ("experiment", "arm", "corpus", "seed", "steps", "heldout_loss"):
                if k not in r:
                    sys.exit(f"noise_band.py: {path}:{n}: no field '{k}'")
            if r["experiment"] == "iso" and r["corpus"] == "kjv" and r["steps"] == steps:
                runs[(r["arm"], r["seed"])] = r["heldout_loss"]
    diffs = [runs[("engram", s)] - runs[("moe", s)] for (a, s) in sorted(runs) if a == "engram" and ("moe", s) in runs]
    if len(diffs) < 2:
        print(f"seed noise: no measured pairs at {steps} steps in {path} (docs/EXPERIMENTS.md); no gain claimed")
        return
    n = len(diffs)
    m = sum(diffs) / n
    s = math.sqrt(sum((x - m) ** 2 for x in diffs) / (n - 1))
    t = T975[n - 2] if n - 1 <= len(T975) else 2.0
    band = t * s  # one pair's 95% noise half-width, its std estimated from n pairs
    print(f"seed noise ({n} seeds per arm at {steps} steps, {os.path.relpath(path)}): one pair's difference "
          f"spreads +-{band:.4f} (95%); the {n}-seed mean difference is {m:+.4f}, 95% interval "
          f"[{m - t * s / math.sqrt(n):+.4f}, {m + t * s / math.sqrt(n):+.4f}]")
    if abs(d) <= band:
        print(f"verdict: within noise (|{d:+.4f}| <= {band:.4f}); no gain claimed")
    else:
        print(f"verdict: {'lower' if d < 0 else 'higher'} than the noise band of one pair "
              f"(|{d:+.4f}| > {band:.4f}); one seed: the multi-seed interval above is the claim")

if __name__ == "__main__":
    main()
