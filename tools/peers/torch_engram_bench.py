#!/usr/bin/env python3
"""Peer timing: the Engram layer in PyTorch (engram_torch.py, the demo's module re-written
from the algorithm) at the demo's shapes, timed the way shared/BASELINES.md says:
torch.set_num_threads(THREADS), one untimed warm-up, then REPS timed calls, median.

Demo shapes: hidden 1024, hc_mult 4, n_embed 512, 8 heads, N 3, kernel 4, layer 1's 16
prime-sized tables (~646k rows x 64 float32 values, 2.65 GB), random init, uniform hash
ids (the demo hashes with numpy before the module; that step is under 1 ms and excluded
here as in `engram bench layer`).

  forward_ms           module forward under torch.no_grad()
  forward_backward_ms  forward + backward of sum(output * dy): grads for hidden_states and
                       every parameter; the table's gradient is dense as in the demo's
                       nn.Embedding (pass --sparse-embedding for nn.Embedding(sparse=True))
Usage: OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tools/peers/torch_engram_bench.py \
         [--batch 1 --seq 2048 --threads 2 --reps 9 --json] [--rows-per-head N for smoke runs]
Run each configuration in its own process, side by side with `engram bench layer`.
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from engram_torch import Engram  # noqa: E402


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


def demo_table_sizes(vocab_sizes=(129280 * 5, 129280 * 5), heads=8):
    """Layer 1 (the first of layer_ids [1, 15]): for n = 2..N, heads distinct primes above
    engram_vocab_size[n-2] - 1, each search starting from the previous prime."""
    seen, sizes = set(), []
    for v in vocab_sizes:
        start = v - 1
        for _ in range(heads):
            c = start + 1
            while not is_prime(c) or c in seen:
                c += 1
            seen.add(c)
            sizes.append(c)
            start = c
    return sizes


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--seq", type=int, default=2048)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--rows-per-head", type=int, default=0, help="override table sizes (smoke runs)")
    ap.add_argument("--sparse-embedding", action="store_true")
    ap.add_argument("--no-backward", action="store_true")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    sizes = demo_table_sizes()
    if a.rows_per_head > 0:
        sizes = [a.rows_per_head] * len(sizes)
    hidden, hc, n_embed, heads, N, kernel = 1024, 4, 512, 8, 3, 4
    mod = Engram(sizes, n_embed, heads, N, hidden, hc, kernel)
    if a.sparse_embedding:
        emb = mod.multi_head_embedding.embedding
        mod.multi_head_embedding.embedding = torch.nn.Embedding(emb.num_embeddings, emb.embedding_dim, sparse=True,
                                                                _weight=emb.weight.data)
    B, T = a.batch, a.seq
    hash_ids = torch.stack([torch.randint(0, s, (B, T)) for s in sizes], dim=-1)
    hs = torch.randn(B, T, hc, hidden)
    dy = torch.randn(B, T, hc, hidden)

    fwd = []
    with torch.no_grad():
        for i in range(a.reps + 1):
            t0 = time.perf_counter()
            mod(hs, hash_ids)
            if i:
                fwd.append((time.perf_counter() - t0) * 1e3)
    fb = []
    if not a.no_backward:
        h = hs.clone().requires_grad_(True)
        for i in range(a.reps + 1):
            mod.zero_grad(set_to_none=True)
            h.grad = None
            t0 = time.perf_counter()
            y, _ = mod(h, hash_ids)
            (y * dy).sum().backward()
            if i:
                fb.append((time.perf_counter() - t0) * 1e3)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    res = {"forward_ms": statistics.median(fwd),
           "forward_backward_ms": statistics.median(fb) if fb else None,
           "peak_rss_mib": peak, "batch": B, "seq": T, "threads": a.threads, "reps": a.reps,
           "table_rows": sum(sizes), "torch": torch.__version__, "sparse_embedding": a.sparse_embedding}
    if a.json:
        print(json.dumps(res))
    else:
        print(f"PyTorch Engram layer, B={B} T={T}, {a.threads} threads, {sum(sizes)} table rows, median of {a.reps}")
        print(f"  forward           {res['forward_ms']:9.2f} ms")
        if fb:
            print(f"  forward+backward  {res['forward_backward_ms']:9.2f} ms")
        print(f"  peak RSS          {peak:9.0f} MiB")


if __name__ == "__main__":
    main()
