#!/usr/bin/python3
"""Train a small PyTorch language model with an Engram layer whose table lives in an engram
memory tier (default: the SSD store, io_uring + O_DIRECT, behind a hot-row cache), and check
its loss curve against the same model with the table as an in-RAM nn.Embedding(sparse=True)
trained by torch.optim.SparseAdam: same initial weights, same batches, same betas.

Both arms use lazy Adam on the table (moments move only for rows a step hits), so their
losses agree to float rounding; the two differ only where they place eps (SparseAdam adds it
to sqrt(v) before the bias correction of the step size, engram after). Dense parameters
train with torch.optim.Adam in both.

    /usr/bin/python3 examples/torch_train.py --steps 60 --store ssd --cache-mb 1
    (PYTHONPATH=build/python if the module is not installed)

Prints both curves; exits 1 when the first --check-steps losses differ by more than --tol.
"""
import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np
import torch
from torch import nn

import engram
import engram.torch as et

CFG = {"engram_vocab_size": [20011, 20011], "max_ngram_size": 3, "n_embed_per_ngram": 64, "n_head_per_ngram": 4,
       "layer_ids": [1], "pad_id": 2, "seed": 0}


def cache_dir():
    return os.environ.get("ENGRAM_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "engram")


class TinyLM(nn.Module):
    """Token embedding + the Engram memory (gated, added to the residual) + an MLP + head."""

    def __init__(self, vocab, d, columns, head_dim, memory):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.memory = memory  # returns [B, T, columns, head_dim]
        self.value = nn.Linear(columns * head_dim, d, bias=False)
        self.gate = nn.Linear(2 * d, 1)
        self.mlp = nn.Sequential(nn.LayerNorm(d), nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))
        self.head = nn.Linear(d, vocab, bias=False)

    def forward(self, raw, x):
        """raw: tokenizer ids (what the memory hashes); x: the same tokens in the model's vocabulary."""
        h = self.emb(x)
        e = self.value(self.memory(raw).flatten(2))
        g = torch.sigmoid(self.gate(torch.cat([h, e], dim=-1)))
        h = h + g * e
        h = h + self.mlp(h)
        return self.head(h)


class RamMemory(nn.Module):
    """The reference: the stacked table as an nn.Embedding(sparse=True)."""

    def __init__(self, hasher, layer_id, values):
        super().__init__()
        self.hasher, self.layer_id = hasher, layer_id
        self.table = nn.Embedding(values.shape[0], values.shape[1], sparse=True)
        with torch.no_grad():
            self.table.weight.copy_(torch.from_numpy(values))

    def forward(self, x):
        local = self.hasher.hash(x.numpy())[self.layer_id]
        return self.table(torch.from_numpy(self.hasher.global_rows(self.layer_id, local)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq", type=int, default=64)
    ap.add_argument("--store", default="ssd", help="memory tier of the Engram table: ram, mmap, pread, ssd")
    ap.add_argument("--cache-mb", type=float, default=1.0, help="hot-row cache before a file store (MiB)")
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--table-lr", type=float, default=1.5e-2)
    ap.add_argument("--eps", type=float, default=1e-8, help="Adam eps of the table optimisers")
    ap.add_argument("--check-steps", type=int, default=20)
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--data", default=os.path.join(cache_dir(), "corpora", "kjv.txt"))
    ap.add_argument("--tokenizer", default=os.path.join(cache_dir(), "tokenizers", "deepseek_v3", "tokenizer.json"))
    ap.add_argument("--dir", help="folder of the table files (default: a temporary one)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(1)

    tok = engram.Tokenizer(a.tokenizer)
    with open(a.data, encoding="utf-8") as f:
        text = f.read(400_000)
    ids = tok.encode(text)
    # The model's vocabulary: the ids this text uses (the head stays small); the hash sees raw ids.
    used, dense = np.unique(ids, return_inverse=True)
    hasher = engram.NgramHasher(tokenizer=tok, config=CFG)
    cfg = hasher.config
    rng = np.random.default_rng(1)
    starts = rng.integers(0, len(ids) - a.seq - 1, size=(a.steps, a.batch))

    total = hasher.total_rows(1)
    init = np.random.default_rng(2).standard_normal((total, cfg.head_dim)).astype(np.float32)
    workdir = a.dir or tempfile.mkdtemp(prefix="engram-torch-")
    memory = et.EngramEmbedding(hasher, 1, workdir, store=a.store, cache_mb=a.cache_mb, values=init)
    ref_memory = RamMemory(hasher, 1, init)

    def build(mem):
        torch.manual_seed(0)
        return TinyLM(len(used), 64, cfg.columns, cfg.head_dim, mem)

    models = {"engram": build(memory), "torch": build(ref_memory)}
    betas = (0.9, 0.95)
    dense_opt = {k: torch.optim.Adam([p for n, p in m.named_parameters() if not n.startswith("memory.")], lr=a.lr,
                                     betas=betas) for k, m in models.items()}
    table_opt = {"engram": et.TableAdam([memory], lr=a.table_lr, betas=betas, eps=a.eps),
                 "torch": torch.optim.SparseAdam(list(ref_memory.parameters()), lr=a.table_lr, betas=betas, eps=a.eps)}
    losses = {"engram": [], "torch": []}
    t0 = time.perf_counter()
    for step in range(a.steps):
        raw = torch.from_numpy(np.stack([ids[s:s + a.seq] for s in starts[step]]))
        x = torch.from_numpy(np.stack([dense[s:s + a.seq] for s in starts[step]]))
        ys = torch.from_numpy(np.stack([dense[s + 1:s + a.seq + 1] for s in starts[step]]))
        for k, m in models.items():
            logits = m(raw, x)
            loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), ys.reshape(-1))
            dense_opt[k].zero_grad()
            table_opt[k].zero_grad()
            loss.backward()
            dense_opt[k].step()
            table_opt[k].step()
            losses[k].append(float(loss))
        if (step + 1) % 10 == 0 or step + 1 == a.steps:
            rate = (step + 1) / (time.perf_counter() - t0)
            print(f"step {step + 1}/{a.steps}  engram {losses['engram'][-1]:.5f}  torch {losses['torch'][-1]:.5f}  "
                  f"({rate:.1f} steps/s, ETA {(a.steps - step - 1) / rate:.0f} s)", file=sys.stderr, flush=True)
    n = min(a.check_steps, a.steps)
    diff = float(np.max(np.abs(np.array(losses["engram"][:n]) - np.array(losses["torch"][:n]))))
    res = {"steps": a.steps, "store": memory.table.describe, "engram_loss": losses["engram"],
           "torch_loss": losses["torch"], "max_abs_diff_first": diff, "check_steps": n, "tol": a.tol,
           "loss_drop": losses["engram"][0] - min(losses["engram"])}
    if a.json:
        print(json.dumps(res))
    else:
        for i in range(a.steps):
            print(f"{i + 1:4d}  {losses['engram'][i]:.6f}  {losses['torch'][i]:.6f}")
        print(f"table: {res['store']}; max |engram - torch| over the first {n} steps: {diff:.2e} (tol {a.tol})")
    memory.table.close()
    return 0 if diff <= a.tol else 1


if __name__ == "__main__":
    sys.exit(main())
