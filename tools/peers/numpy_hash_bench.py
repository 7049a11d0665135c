#!/usr/bin/python3
"""numpy peer for `engram bench hash`: the public Engram demo's hashing path.

Re-implements, from the algorithm (ENGRAM.md sections 3-4), what the demo's NgramHashMapping
does per call: compressed = lookup_table[raw ids], then for every Engram layer the n-gram
shifts (pad-filled), the int64 multiply-XOR mixes and one `mix % prime` per head, stacked to
[B, T, (N-1)*K]. Demo default config: layers [1, 15], N = 3, 8 heads, sizes 129280*5.

The compression table only changes which values flow through, not the work: pass the real one
with --lookup (the JSON of `engram compress --json`), or a synthetic table of the same size
(128,815 ids -> 98,627 classes) is used. --check verifies the hash against the oracle first.

Timing: warm-up, then 21 timed calls; the median is reported.
Prints one JSON object: {"tokens_per_s": ..., "median_s": ..., ...}.
"""
import argparse
import json
import os
import time

import numpy as np

VOCAB = 128815        # DeepSeek-V3 tokenizer ids
COMPRESSED = 98627    # classes after compression


def is_prime(n):
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    f = 3
    while f * f <= n:
        if n % f == 0:
            return False
        f += 2
    return True


def table_sizes(vocab_per_ngram, heads, layer_ids):
    """Per layer (in order), per n: K primes, each the next unused prime after the previous."""
    used = set()
    out = {}
    for layer in layer_ids:
        per_n = []
        for size in vocab_per_ngram:
            start = size - 1
            primes = []
            for _ in range(heads):
                c = start + 1
                while not is_prime(c) or c in used:
                    c += 1
                used.add(c)
                primes.append(c)
                start = c
            per_n.append(primes)
        out[layer] = per_n
    return out


class DemoHashPath:
    def __init__(self, lookup, vocab_per_ngram=(129280 * 5, 129280 * 5), max_n=3, heads=8,
                 layer_ids=(1, 15), pad_id=2, seed=0):
        self.lookup = np.asarray(lookup, dtype=np.int64)
        self.max_n, self.heads, self.layer_ids = max_n, heads, list(layer_ids)
        n_compressed = int(self.lookup.max()) + 1
        self.pad = int(self.lookup[pad_id])
        half_bound = max(1, (np.iinfo(np.int64).max // n_compressed) // 2)
        self.half_bound = half_bound
        self.mult = {}
        for layer in self.layer_ids:
            g = np.random.default_rng(int(seed + 10007 * layer))
            self.mult[layer] = g.integers(0, half_bound, size=(max_n,), dtype=np.int64) * 2 + 1
        self.sizes = table_sizes(list(vocab_per_ngram), heads, self.layer_ids)

    def hash_compressed(self, x, layer):
        x = np.asarray(x, dtype=np.int64)
        B, T = x.shape
        m = self.mult[layer]
        shifts = [x] + [np.pad(x, ((0, 0), (k, 0)), mode="constant", constant_values=self.pad)[:, :T]
                        for k in range(1, self.max_n)]
        cols = []
        for n in range(2, self.max_n + 1):
            mix = shifts[0] * m[0]
            for k in range(1, n):
                mix = np.bitwise_xor(mix, shifts[k] * m[k])
            for p in self.sizes[layer][n - 2]:
                cols.append(mix % p)
        return np.stack(cols, axis=2)

    def __call__(self, raw_ids):
        x = self.lookup[raw_ids]
        return {layer: self.hash_compressed(x, layer) for layer in self.layer_ids}


def check_oracle(path, oracle_dir):
    case = os.path.join(oracle_dir, "hashing", "demo_default")
    man = json.load(open(os.path.join(case, "manifest.json")))
    assert path.half_bound == man["half_bound"], "half_bound differs from the oracle"
    for name, inp in man["inputs"].items():
        e = inp["compressed_ids"]
        x = np.fromfile(os.path.join(case, e["file"]), dtype="<i8").reshape(e["shape"])
        for layer in path.layer_ids:
            h = inp["hash_ids"][str(layer)]
            want = np.fromfile(os.path.join(case, h["file"]), dtype="<i8").reshape(h["shape"])
            if not np.array_equal(path.hash_compressed(x, layer), want):
                raise SystemExit(f"oracle mismatch: {name} layer {layer}")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--seq", type=int, default=4096)
    ap.add_argument("--reps", type=int, default=21)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--lookup", help="JSON with a 'lookup' array (engram compress --json)")
    ap.add_argument("--check", action="store_true", help="verify against the oracle's demo_default case first")
    ap.add_argument("--oracle", default=os.environ.get("ENGRAM_ORACLE",
                                                       os.path.join(here, "..", "..", "tests", "data", "oracle")))
    a = ap.parse_args()

    if a.lookup:
        lookup = np.asarray(json.load(open(a.lookup))["lookup"], dtype=np.int64)
        source = a.lookup
    else:
        # Same size and class count as DeepSeek-V3's table; ids 0..2 keep their class as there.
        r = np.random.default_rng(7)
        lookup = np.concatenate([np.arange(COMPRESSED), r.integers(0, COMPRESSED, VOCAB - COMPRESSED)])
        lookup[3:] = r.permutation(lookup[3:])
        source = "synthetic"
    path = DemoHashPath(lookup)
    if a.check:
        check_oracle(path, a.oracle)

    raw = np.random.default_rng(12345).integers(0, len(lookup), size=(a.batch, a.seq), dtype=np.int64)
    for _ in range(a.warmup):
        path(raw)
    times = []
    for _ in range(a.reps):
        t0 = time.perf_counter()
        path(raw)
        times.append(time.perf_counter() - t0)
    med = float(np.median(times))
    n = a.batch * a.seq
    print(json.dumps({"tokens_per_s": n / med, "ns_per_token": med * 1e9 / n, "median_s": med,
                      "batch": a.batch, "seq": a.seq, "reps": a.reps, "lookup": source,
                      "oracle_checked": bool(a.check), "numpy": np.__version__,
                      "peer": "numpy demo NgramHashMapping path (compression lookup + 2 layers x 16 columns)"}))


if __name__ == "__main__":
    main()
