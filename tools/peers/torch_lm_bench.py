#!/usr/bin/python3
"""PyTorch peer for training speed: the same model as engram's (built by torch_lm_check.py's
forward from our config, random weights, float32), one AdamW step per iteration on random
batches, timed after warm-up. Prints JSON {"tokens_per_s", "step_ms_median"}.

Usage: /usr/bin/python3 tools/peers/torch_lm_bench.py CONFIG.json --vocab-size 11795 \
           [--batch 16 --seq 128 --threads 2 --steps 10]
Run with OMP_WAIT_POLICY=PASSIVE (BASELINES.md: libgomp spin-waiting otherwise fights the
BLAS threads on 2 cores).
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from torch_lm_check import forward  # noqa: E402


def table_sizes(cfg):
    """The demo's prime table sizes for every Engram layer (ENGRAM.md section 4)."""
    def is_prime(n):
        if n < 2:
            return False
        i = 2
        while i * i <= n:
            if n % i == 0:
                return False
            i += 1
        return True
    e = cfg["engram"]
    used, out = set(), []
    for _ in e["layer_ids"]:
        sizes = []
        for n in range(2, e["max_ngram_size"] + 1):
            start = e["engram_vocab_size"][n - 2] - 1
            for _h in range(e["n_head_per_ngram"]):
                c = start + 1
                while not is_prime(c) or c in used:
                    c += 1
                used.add(c)
                sizes.append(c)
                start = c
        out.append(np.array(sizes))
    return out


def make_params(cfg, V):
    d, L = cfg["d_model"], cfg["n_layers"]
    g = torch.Generator().manual_seed(0)
    P = {}

    def w(name, *shape, std=0.02):
        P[name] = (torch.randn(*shape, generator=g) * std).requires_grad_()

    def ones(name, n):
        P[name] = torch.ones(n, requires_grad=True)

    w("tok_emb.weight", V, d)
    if not cfg.get("tie_embeddings", True):
        w("lm_head.weight", V, d)
    ones("norm_f.weight", d)
    f = cfg["ffn"]
    sizes = table_sizes(cfg) if cfg.get("engram") else []
    for l in range(L):
        p = f"layers.{l}."
        if cfg.get("engram") and l in cfg["engram"]["layer_ids"]:
            e = cfg["engram"]
            D = e["n_embed_per_ngram"] // e["n_head_per_ngram"]
            E = (e["max_ngram_size"] - 1) * e["n_embed_per_ngram"]
            s = sizes[cfg["engram"]["layer_ids"].index(l)]
            q = p + "engram."
            w(q + "multi_head_embedding.embedding.weight", int(s.sum()), D)
            w(q + "value_proj.weight", d, E)
            P[q + "value_proj.bias"] = torch.zeros(d, requires_grad=True)
            w(q + "key_projs.0.weight", d, E)
            P[q + "key_projs.0.bias"] = torch.zeros(d, requires_grad=True)
            for n in ("norm1.0.weight", "norm2.0.weight", "short_conv.norms.0.weight"):
                ones(q + n, d)
            P[q + "short_conv.conv.weight"] = torch.zeros(d, 1, e["kernel_size"], requires_grad=True)
        ones(p + "attn_norm.weight", d)
        ones(p + "ffn_norm.weight", d)
        for n in ("wq", "wk", "wv", "wo"):
            w(p + f"attn.{n}.weight", d, d)
        if f["type"] == "dense":
            F = f["dense_hidden"]
            w(p + "ffn.w1.weight", F, d)
            w(p + "ffn.w3.weight", F, d)
            w(p + "ffn.w2.weight", d, F)
        else:
            E_, F, S = f["n_experts"], f["hidden"], f.get("shared_hidden", 0)
            w(p + "moe.router.weight", E_, d)
            w(p + "moe.w1", E_, F, d)
            w(p + "moe.w3", E_, F, d)
            w(p + "moe.w2", E_, d, F)
            if S:
                w(p + "moe.shared_w1", S, d)
                w(p + "moe.shared_w3", S, d)
                w(p + "moe.shared_w2", d, S)
    return P, sizes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("config")
    ap.add_argument("--vocab-size", type=int, required=True)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=10)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    cfg = json.load(open(a.config))
    cfg.setdefault("norm_eps", 1e-6)
    cfg.setdefault("rope_theta", 10000.0)
    cfg.setdefault("tie_embeddings", True)
    P, sizes = make_params(cfg, a.vocab_size)
    opt = torch.optim.AdamW(P.values(), lr=1e-3, weight_decay=0.1)
    rng = np.random.default_rng(0)
    times = []
    for it in range(a.steps + 2):
        ids = rng.integers(0, a.vocab_size, size=(a.batch, a.seq))
        tgt = rng.integers(0, a.vocab_size, size=(a.batch, a.seq))
        rows = [np.stack([rng.integers(0, s, size=(a.batch, a.seq)) for s in sz], -1) for sz in sizes]
        t0 = time.perf_counter()
        opt.zero_grad()
        logits = forward(P, cfg, ids, rows, sizes)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, a.vocab_size), torch.from_numpy(tgt).reshape(-1))
        loss.backward()
        opt.step()
        if it >= 2:
            times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    print(json.dumps({"tokens_per_s": a.batch * a.seq / med, "step_ms_median": med * 1e3, "steps": len(times),
                      "threads": a.threads, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
