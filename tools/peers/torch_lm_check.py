#!/usr/bin/python3
"""Independent PyTorch build of engram's language model, compared tensor by tensor.

Usage: engram model-check --config C.json --vocab-size V --out step.safetensors
       /usr/bin/python3 tools/peers/torch_lm_check.py step.safetensors [--tol 1e-3]

Reads the config, weights, ids, targets and Engram row ids that engram wrote, rebuilds the
model in PyTorch (float64) from the architecture's definition (RMSNorm, RoPE half-split,
causal attention, sigmoid-routed top-k MoE with shared expert, the Engram layer of the
demo with hc_mult 1), runs forward and backward, and compares logits, loss and every
gradient. Exits non-zero if any tensor differs by more than tol (max |a-b| / max |b|).
"""
import argparse
import json
import math
import sys

import numpy as np
import torch

sys.path.insert(0, __import__("os").path.dirname(__file__))
import safetensors_np  # noqa: E402


def rmsnorm(x, w, eps):
    return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + eps) * w


def rope(x, theta):  # x [B, T, H, hd], half-split rotation
    B, T, H, hd = x.shape
    half = hd // 2
    inv = theta ** (-2.0 * torch.arange(half, dtype=torch.float64) / hd)
    ang = torch.arange(T, dtype=torch.float64)[:, None] * inv[None, :]
    c = torch.cos(ang)[None, :, None, :].to(x.dtype)
    s = torch.sin(ang)[None, :, None, :].to(x.dtype)
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * c - x2 * s, x2 * c + x1 * s], dim=-1)


def swiglu(x, w1, w3, w2):
    return (torch.nn.functional.silu(x @ w1.T) * (x @ w3.T)) @ w2.T


def demo_offsets(sizes):
    return np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)


def engram_layer(P, pre, h, rows, cfg, sizes):
    ec = cfg["engram"]
    d = cfg["d_model"]
    table = P[pre + "multi_head_embedding.embedding.weight"]
    g = torch.from_numpy(rows + demo_offsets(sizes)[None, None, :])
    B, T, C = g.shape
    e = table[g.reshape(-1)].reshape(B, T, -1)
    v = e @ P[pre + "value_proj.weight"].T + P[pre + "value_proj.bias"]
    k = e @ P[pre + "key_projs.0.weight"].T + P[pre + "key_projs.0.bias"]
    eps = float(np.finfo(np.float32).eps)  # torch.nn.RMSNorm's default for float32
    nk = rmsnorm(k, P[pre + "norm1.0.weight"], eps)
    nq = rmsnorm(h, P[pre + "norm2.0.weight"], eps)
    s = (nk * nq).sum(-1) / math.sqrt(d)
    gate = torch.sigmoid(s.sign() * s.abs().clamp_min(1e-6).sqrt())
    u = gate[..., None] * v
    xn = rmsnorm(u, P[pre + "short_conv.norms.0.weight"], 1e-5)
    K = ec["kernel_size"]
    dil = ec["max_ngram_size"]
    w = P[pre + "short_conv.conv.weight"]  # [d, 1, K]
    xp = torch.nn.functional.pad(xn.transpose(1, 2), ((K - 1) * dil, 0))
    conv = torch.nn.functional.conv1d(xp, w, groups=d, dilation=dil).transpose(1, 2)
    return u + torch.nn.functional.silu(conv)


def forward(P, cfg, ids, rows, sizes):
    d, H = cfg["d_model"], cfg["n_heads"]
    hd = d // H
    eps = cfg["norm_eps"]
    B, T = ids.shape
    x = P["tok_emb.weight"][torch.from_numpy(ids)]
    eng = cfg.get("engram")
    ei = 0
    mask = torch.triu(torch.ones(T, T, dtype=torch.bool), 1)
    for l in range(cfg["n_layers"]):
        pre = f"layers.{l}."
        if eng and l in eng["layer_ids"]:
            x = x + engram_layer(P, pre + "engram.", x, rows[ei], cfg, sizes[ei])
            ei += 1
        h = rmsnorm(x, P[pre + "attn_norm.weight"], eps)
        q = rope((h @ P[pre + "attn.wq.weight"].T).view(B, T, H, hd), cfg["rope_theta"])
        k = rope((h @ P[pre + "attn.wk.weight"].T).view(B, T, H, hd), cfg["rope_theta"])
        v = (h @ P[pre + "attn.wv.weight"].T).view(B, T, H, hd)
        att = (q.transpose(1, 2) @ k.transpose(1, 2).transpose(-1, -2)) / math.sqrt(hd)
        att = att.masked_fill(mask, float("-inf")).softmax(-1)
        o = (att @ v.transpose(1, 2)).transpose(1, 2).reshape(B, T, d)
        x = x + o @ P[pre + "attn.wo.weight"].T
        h2 = rmsnorm(x, P[pre + "ffn_norm.weight"], eps)
        f = cfg["ffn"]
        if f["type"] == "dense":
            y = swiglu(h2, P[pre + "ffn.w1.weight"], P[pre + "ffn.w3.weight"], P[pre + "ffn.w2.weight"])
        else:
            flat = h2.reshape(-1, d)
            s = torch.sigmoid(flat @ P[pre + "moe.router.weight"].T)
            top = torch.topk(s.detach(), f["top_k"], dim=-1).indices  # routing bias is zero here
            gsel = s.gather(1, top)
            gsel = gsel / gsel.sum(-1, keepdim=True)
            y = torch.zeros_like(flat)
            for e in range(f["n_experts"]):
                tok, slot = (top == e).nonzero(as_tuple=True)
                if len(tok) == 0:
                    continue
                out = swiglu(flat[tok], P[pre + "moe.w1"][e], P[pre + "moe.w3"][e], P[pre + "moe.w2"][e])
                y = y.index_add(0, tok, gsel[tok, slot][:, None] * out)
            if f.get("shared_hidden", 0) > 0:
                y = y + swiglu(flat, P[pre + "moe.shared_w1"], P[pre + "moe.shared_w3"], P[pre + "moe.shared_w2"])
            y = y.view(B, T, d)
        x = x + y
    x = rmsnorm(x, P["norm_f.weight"], eps)
    head = P["tok_emb.weight"] if cfg["tie_embeddings"] else P["lm_head.weight"]
    return x @ head.T


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dump")
    ap.add_argument("--tol", type=float, default=1e-3)
    a = ap.parse_args()
    t, meta = safetensors_np.load(a.dump)
    cfg = json.loads(meta["config"])
    P = {k[6:]: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in t.items() if k.startswith("param/")}
    ids, tgt = t["input/ids"], t["input/targets"]
    rows = [t[f"input/engram_rows/{i}"] for i in range(len(cfg.get("engram", {}).get("layer_ids", [])))]
    sizes = []
    if cfg.get("engram"):
        # Per-head table sizes: the table's row count split by the demo's prime sizes is not
        # recoverable from the shape alone, so engram writes them beside the rows.
        sizes = [t[f"input/engram_table_sizes/{i}"] for i in range(len(rows))]
    logits = forward(P, cfg, ids, rows, sizes)
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), torch.from_numpy(tgt).reshape(-1))
    loss.backward()

    worst = 0.0
    failed = []

    def cmp(name, ours, ref):
        nonlocal worst
        ref = ref.detach().numpy()
        scale = max(np.abs(ref).max(), 1e-12)
        err = float(np.abs(ours.astype(np.float64) - ref).max() / scale)
        worst = max(worst, err)
        if err > a.tol:
            failed.append((name, err))
        return err

    print(f"logits  rel.err {cmp('logits', t['output/logits'], logits):.2e}")
    print(f"loss    ours {t['output/loss'][0]:.6f} torch {loss.item():.6f} rel.err {cmp('loss', t['output/loss'], loss.reshape(1)):.2e}")
    errs = [(n, cmp('grad/' + n, t['grad/' + n], p.grad)) for n, p in P.items()]
    for n, e in sorted(errs, key=lambda x: -x[1])[:5]:
        print(f"grad    {n:50s} rel.err {e:.2e}")
    print(f"{len(errs)} gradients compared; worst relative error {worst:.2e} (tol {a.tol})")
    if failed:
        print("FAILED:", failed)
        sys.exit(1)
    print("PASS")


if __name__ == "__main__":
    main()
