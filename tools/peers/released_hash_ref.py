#!/usr/bin/env python3
"""Plain numpy reference of the released models' Engram addressing, written from their model
code (not from engram's C++): DeepSeek-V4.1 (transformers' deepseek_v41 / NeMo's port:
numpy default_rng multipliers, used-set primes, DEAD-token blocking) and Qwen4Exp's PLE
n-gram embedding (the mlx/transformers qwen4_exp code: splitmix64 multipliers, consecutive
primes, EOS segment reset, and its decode path with the n-gram history cache).

Writes the vectors engram's tests compare against (tests/data/presets/*.json):
    /usr/bin/python3 tools/peers/released_hash_ref.py --out tests/data/presets
Each file: {"preset", "pad_id", "ids": [B][T] (canonical ids for V4.1, raw for Qwen; -1 =
DEAD/masked), "layers": [{"layer_id", "rows", "prime_sizes", "multipliers",
"row_ids": [B][T][columns] (offsets added)}], "decode_row_ids" (Qwen: the cache path)}.
"""
import argparse
import json
import os

import numpy as np

MASK64 = (1 << 64) - 1
DEAD = -1


def is_prime(n):
    if n < 2:
        return False
    for p in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41):
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for a in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41):
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


# ---------------------------------------------------------------- DeepSeek-V4.1 (Engram)

V41 = dict(layer_ids=[1, 14], max_ngram=4, heads=8, vocab=16_000_000, compressed_vocab=99_092, pad=2)


def v41_primes(cfg):
    seen, out = set(), []
    for _ in cfg["layer_ids"]:
        layer = []
        for _ in range(cfg["max_ngram"] - 1):
            cur = cfg["vocab"] - 1
            for _ in range(cfg["heads"]):
                cur += 1
                while not is_prime(cur) or cur in seen:
                    cur += 1
                seen.add(cur)
                layer.append(cur)
        out.append(layer)
    return out


def v41_multipliers(cfg):
    bound = max(1, (np.iinfo(np.int64).max // cfg["compressed_vocab"]) // 2)
    rows = []
    for lid in cfg["layer_ids"]:
        g = np.random.default_rng(10007 * lid)
        rows.append(g.integers(low=0, high=bound, size=(cfg["max_ngram"],), dtype=np.int64) * 2 + 1)
    return rows


def v41_hash(cfg, ids, pad):
    """ids [B, T] canonical, DEAD = -1 -> per layer [B, T, columns] (offsets added)."""
    ids = np.asarray(ids, dtype=np.int64)
    B, T = ids.shape
    N = cfg["max_ngram"]
    pos = np.broadcast_to(np.arange(T), (B, T))
    tokens, blocked = [], np.zeros((B, T), dtype=bool)
    for shift in range(N):
        src = ids if shift == 0 else np.concatenate([np.full((B, shift), DEAD), ids[:, : T - shift]], axis=1)
        blocked = blocked | (pos < shift) | (src == DEAD)
        tokens.append(np.where(blocked, pad, src))
    out = []
    for mult, primes in zip(v41_multipliers(cfg), v41_primes(cfg)):
        primes = np.asarray(primes, dtype=np.int64).reshape(N - 1, cfg["heads"])
        flat = primes.reshape(-1)
        offsets = np.cumsum(flat) - flat
        prods = [t * m for t, m in zip(tokens, mult)]  # int64 wrap as torch's
        rolling, cols = prods[0], []
        for i in range(1, N):
            rolling = np.bitwise_xor(rolling, prods[i])
            cols.append(rolling[..., None] % primes[i - 1])
        out.append(np.concatenate(cols, axis=-1) + offsets)
    return out


# ---------------------------------------------------------------- Qwen4Exp PLE

QWEN = dict(layer_ids=[2], ngram=3, heads=8, base=20_000_000, divisor=128, vocab=248_320, seed=1234, eos=248_044)


def splitmix64(v):
    v = (v + 0x9E3779B97F4A7C15) & MASK64
    v = ((v ^ (v >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    v = ((v ^ (v >> 27)) * 0x94D049BB133111EB) & MASK64
    return (v ^ (v >> 31)) & MASK64


def qwen_multipliers(cfg, ple_index):
    half = max(1, (((1 << 63) - 1) // max(cfg["vocab"], 1)) // 2)
    base = cfg["seed"] + 10007 * ple_index
    return [2 * (splitmix64(base + 0x9E3779B97F4A7C15 * (i + 1)) % half) + 1 for i in range(cfg["ngram"])]


def nth_prime_after(start, count):
    v = start
    for _ in range(count):
        v += 1
        while not is_prime(v):
            v += 1
    return v


def qwen_sizes(cfg, ple_index):
    heads = (cfg["ngram"] - 1) * cfg["heads"]
    return [nth_prime_after(cfg["base"] - 1, ple_index * heads + h + 1) for h in range(heads)]


def qwen_shift(tok, shift, eos):
    """_shift_right_ignore_eos: lookbacks crossing an EOS (or the start) read EOS."""
    if shift == 0:
        return tok
    B, L = tok.shape
    positions = np.arange(L)
    eos_pos = np.where(tok == eos, positions, -1)
    prev_incl = np.maximum.accumulate(eos_pos, axis=1)
    prev = np.concatenate([np.full((B, 1), -1), prev_incl[:, :-1]], axis=1)
    in_seg = positions[None, :] - prev - 1
    src = positions - shift
    gathered = np.take_along_axis(tok, np.broadcast_to(np.maximum(src, 0)[None, :], tok.shape), axis=1)
    valid = (in_seg >= shift) & (src[None, :] >= 0)
    return np.where(valid, gathered, eos)


def qwen_compute(cfg, ple_index, input_ids, previous):
    """compute_ids with an explicit history cache `previous` [B, ngram-1]; returns (ids, new cache)."""
    eos, N, K = cfg["eos"], cfg["ngram"], cfg["heads"]
    mult = qwen_multipliers(cfg, ple_index)
    sizes = qwen_sizes(cfg, ple_index)
    offsets = list(np.cumsum(sizes) - np.asarray(sizes))
    history = np.concatenate([previous, input_ids], axis=1)
    new_cache = history[:, -(N - 1):]
    shifted = [qwen_shift(history, s, eos) for s in range(N)]
    blocks = []
    for n in range(2, N + 1):
        start = (n - 2) * K
        mixed = shifted[0].astype(object) * mult[0]
        for p in range(1, n):
            mixed = mixed ^ (shifted[p].astype(object) * mult[p])
        # products stay below 2^63 (multipliers are bounded by the vocabulary): exact in object ints
        cols = [(mixed % sizes[start + h]) + offsets[start + h] for h in range(K)]
        blocks.append(np.stack(cols, axis=-1))
    ids = np.concatenate(blocks, axis=-1)[:, -input_ids.shape[1]:]
    return ids.astype(np.int64), new_cache


def qwen_hash(cfg, ids, decode=False):
    ids = np.asarray(ids, dtype=np.int64)
    ids = np.where(ids == DEAD, cfg["eos"], ids)  # PLELayer: masked positions read as EOS
    B, T = ids.shape
    out = []
    for li, _ in enumerate(cfg["layer_ids"]):
        prev = np.full((B, cfg["ngram"] - 1), cfg["eos"], dtype=np.int64)
        if not decode:
            out.append(qwen_compute(cfg, li, ids, prev)[0])
            continue
        steps = []
        for t in range(T):
            r, prev = qwen_compute(cfg, li, ids[:, t:t + 1], prev)
            steps.append(r)
        out.append(np.concatenate(steps, axis=1))
    return out


# ---------------------------------------------------------------- vectors

def v41_vectors(rng):
    B, T = 3, 24
    ids = rng.integers(0, V41["compressed_vocab"], size=(B, T))
    ids[0, 5] = DEAD            # an image token inside the text
    ids[1, 0:2] = DEAD          # DEAD at the start
    ids[2, 10:13] = DEAD        # a run
    ids[2, 20] = V41["pad"]     # the pad id itself as a token
    ids[1, 15] = V41["compressed_vocab"] - 1
    ids[0, 0] = 0
    rows = v41_hash(V41, ids, V41["pad"])
    primes, mults = v41_primes(V41), v41_multipliers(V41)
    return {
        "preset": "deepseek-v4.1", "pad_id": V41["pad"], "ids": ids.tolist(),
        "layers": [{"layer_id": lid, "rows": int(sum(p)), "prime_sizes": p, "multipliers": [int(x) for x in m],
                    "row_ids": r.tolist()}
                   for lid, p, m, r in zip(V41["layer_ids"], primes, mults, rows)],
    }


def qwen_vectors(rng):
    B, T = 3, 24
    eos = QWEN["eos"]
    ids = rng.integers(0, QWEN["vocab"], size=(B, T))
    ids[0, 6] = eos             # one document ends, the next starts
    ids[0, 7] = eos             # two EOS in a row
    ids[1, 0] = eos             # EOS first
    ids[1, 12] = DEAD           # a masked position (read as EOS)
    ids[2, 22] = eos
    ids[2, 3] = QWEN["vocab"] - 1
    batch = qwen_hash(QWEN, ids)
    decode = qwen_hash(QWEN, ids, decode=True)
    layers = []
    for li, lid in enumerate(QWEN["layer_ids"]):
        sizes = qwen_sizes(QWEN, li)
        total = int(sum(sizes))
        layers.append({"layer_id": lid, "rows": total,
                       "table_rows": (total + QWEN["divisor"] - 1) // QWEN["divisor"] * QWEN["divisor"],
                       "prime_sizes": sizes, "multipliers": [int(x) for x in qwen_multipliers(QWEN, li)],
                       "row_ids": batch[li].tolist(), "decode_row_ids": decode[li].tolist()})
    return {"preset": "qwen4exp", "pad_id": eos, "ids": ids.tolist(), "layers": layers}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="folder for deepseek_v41.json and qwen4exp.json")
    ap.add_argument("--seed", type=int, default=20261203)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rng = np.random.default_rng(a.seed)
    for name, fn in (("deepseek_v41.json", v41_vectors), ("qwen4exp.json", qwen_vectors)):
        data = fn(rng)
        if name == "qwen4exp.json":
            for layer in data["layers"]:
                assert layer["row_ids"] == layer["decode_row_ids"], "Qwen's cache path disagrees with its batch path"
        tmp = os.path.join(a.out, name + ".tmp")
        with open(tmp, "w") as f:
            json.dump(data, f, separators=(",", ":"))
            f.write("\n")
        os.replace(tmp, os.path.join(a.out, name))
        print("wrote", os.path.join(a.out, name))


if __name__ == "__main__":
    main()
