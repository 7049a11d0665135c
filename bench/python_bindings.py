#!/usr/bin/python3
"""Speed of the Python module against the C++ figures, measured side by side in one run.

1. Hashing: NgramHasher.hash from Python vs `engram bench hash` (the C++ CLI, same shape,
   demo config, random ids) vs the numpy version of the demo (tools/peers/numpy_hash_bench.py).
2. Gather: Table.gather into a preallocated numpy array (batches of 4096 ids, uniform ids,
   RAM store, f32 D=64, 4 M rows) vs `engram bench memory --only ram` on the very same
   table file (it writes <cache>/bench-memory/ram_f32_4000000.engt and keeps it).
3. Per-call overhead of a decode step from Python: one token through HashStream.append, and
   a gather of 32 sequences x 16 columns = 512 fresh ids, against the C++ per-token decode
   hash and the C++ gather rate applied to 512 rows.

Each side runs --rounds times, alternating; medians are reported, and the ratios are paired
per round. Needs PYTHONPATH=<build>/python (or the installed module) and ENGRAM_BIN or
build/engram. Run on a quiet machine: `python3 bench/python_bindings.py --json`.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def median(xs):
    return float(np.median(np.asarray(xs, dtype=np.float64)))


def timed(fn, warmup, reps):
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return median(ts)


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out[out.index("{"):])  # one JSON object (pretty-printed or on one line)


def cache_dir():
    return os.environ.get("ENGRAM_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "engram")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--batch", type=int, default=1, help="sequences per hash call")
    ap.add_argument("--seq", type=int, default=4096)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    import engram

    exe = os.environ.get("ENGRAM_BIN") or os.path.join(REPO, "build", "engram")
    tok = os.path.join(cache_dir(), "tokenizers", "deepseek_v3", "tokenizer.json")
    h = engram.NgramHasher(tokenizer=tok, preset="demo")
    n_vocab = len(engram.Tokenizer(tok))
    ids = np.random.default_rng(12345).integers(0, n_vocab, size=(a.batch, a.seq), dtype=np.int64)

    r = {"hash": [], "gather": [], "decode": []}
    table_path = os.path.join(cache_dir(), "bench-memory", "ram_f32_4000000.engt")
    for rnd in range(a.rounds):
        print(f"round {rnd + 1}/{a.rounds}", file=sys.stderr, flush=True)
        # 1. hashing
        cpp = run_json([exe, "bench", "hash", "--batch", str(a.batch), "--seq", str(a.seq), "--json",
                        "--decode-tokens", "20000"])
        py_s = timed(lambda: h.hash(ids), 3, 21)
        hbuf = np.empty((len(h.layer_ids), a.batch, a.seq, h.config.columns), dtype=np.int64)
        py_out_s = timed(lambda: h.hash(ids, out=hbuf), 3, 21)
        npy = run_json([sys.executable, os.path.join(REPO, "tools", "peers", "numpy_hash_bench.py"),
                        "--batch", str(a.batch), "--seq", str(a.seq)])
        r["hash"].append({"cpp_tokens_per_s": cpp["tokens_per_s"], "py_tokens_per_s": ids.size / py_s,
                          "py_out_tokens_per_s": ids.size / py_out_s,
                          "numpy_tokens_per_s": npy["tokens_per_s"]})
        # 2. gather (the C++ bench writes the table on its first run)
        cmem = run_json([exe, "bench", "memory", "--only", "ram", "--json", "--reps", "5"])
        t = engram.Table.open(table_path, store="ram")
        gids = np.random.default_rng(7).integers(0, t.rows, size=2_000_000, dtype=np.int64)
        batch = 4096
        out = np.empty((batch, t.dim), dtype=np.float32)
        chunks = [gids[i:i + batch] for i in range(0, len(gids) - batch + 1, batch)]

        def gather_all():
            for c in chunks:
                t.gather(c, out=out)
        g_s = timed(gather_all, 1, 3)
        r["gather"].append({"cpp_rows_per_s": cmem["ram_gather_rows_per_s"],
                            "py_rows_per_s": len(chunks) * batch / g_s})
        # 3. per-call overhead of one decode step (hash of one token, gather of 512 ids)
        steps = [gids[i:i + 512].copy() for i in range(0, 512 * 2101, 512)]  # new ids every step
        step_out = np.empty((512, t.dim), dtype=np.float32)
        it = iter(steps)
        st = h.stream()
        hash1 = timed(lambda: st.append(123), 100, 2001)
        gat = timed(lambda: t.gather(next(it), out=step_out), 100, 2001)
        r["decode"].append({"py_hash_one_token_us": hash1 * 1e6, "py_gather_512_us": gat * 1e6,
                            "cpp_gather_512_us": 512 / cmem["ram_gather_rows_per_s"] * 1e6,
                            "cpp_decode_hash_ns_per_token": cpp["decode_ns_per_token"]})
        t.close()

    hs = r["hash"]
    gs = r["gather"]
    ds = r["decode"]
    summary = {
        "hash_py_tokens_per_s": median([x["py_tokens_per_s"] for x in hs]),
        "hash_cpp_tokens_per_s": median([x["cpp_tokens_per_s"] for x in hs]),
        "hash_numpy_tokens_per_s": median([x["numpy_tokens_per_s"] for x in hs]),
        "hash_py_out_tokens_per_s": median([x["py_out_tokens_per_s"] for x in hs]),
        "hash_py_over_cpp": median([x["py_tokens_per_s"] / x["cpp_tokens_per_s"] for x in hs]),
        "hash_py_out_over_cpp": median([x["py_out_tokens_per_s"] / x["cpp_tokens_per_s"] for x in hs]),
        "hash_py_over_numpy": median([x["py_tokens_per_s"] / x["numpy_tokens_per_s"] for x in hs]),
        "gather_py_rows_per_s": median([x["py_rows_per_s"] for x in gs]),
        "gather_cpp_rows_per_s": median([x["cpp_rows_per_s"] for x in gs]),
        "gather_py_over_cpp": median([x["py_rows_per_s"] / x["cpp_rows_per_s"] for x in gs]),
        "decode_py_hash_one_token_us": median([x["py_hash_one_token_us"] for x in ds]),
        "decode_cpp_hash_one_token_us": median([x["cpp_decode_hash_ns_per_token"] / 1e3 for x in ds]),
        "decode_py_gather_512_us": median([x["py_gather_512_us"] for x in ds]),
        "decode_cpp_gather_512_us": median([x["cpp_gather_512_us"] for x in ds]),
        "rounds": a.rounds, "batch": a.batch, "seq": a.seq, "per_round": r,
    }
    if a.json:
        print(json.dumps(summary))
    else:
        print(f"hashing  ({a.batch} x {a.seq}): python {summary['hash_py_tokens_per_s'] / 1e6:.2f} M tok/s, C++ "
              f"{summary['hash_cpp_tokens_per_s'] / 1e6:.2f}, numpy demo {summary['hash_numpy_tokens_per_s'] / 1e6:.3f}"
              f"  -> {summary['hash_py_over_cpp']:.3f}x C++, {summary['hash_py_over_numpy']:.1f}x numpy; into a reused "
              f"buffer (out=) {summary['hash_py_out_tokens_per_s'] / 1e6:.2f} M tok/s = {summary['hash_py_out_over_cpp']:.3f}x C++")
        print(f"gather   (RAM f32 D=64, 4096/call): python {summary['gather_py_rows_per_s'] / 1e6:.2f} M rows/s, "
              f"C++ {summary['gather_cpp_rows_per_s'] / 1e6:.2f}  -> {summary['gather_py_over_cpp']:.3f}x")
        print(f"decode step: hash of 1 token {summary['decode_py_hash_one_token_us']:.2f} us from Python "
              f"(C++ incremental {summary['decode_cpp_hash_one_token_us']:.3f} us); gather of 512 ids "
              f"{summary['decode_py_gather_512_us']:.2f} us (C++ {summary['decode_cpp_gather_512_us']:.2f} us)")


if __name__ == "__main__":
    main()
