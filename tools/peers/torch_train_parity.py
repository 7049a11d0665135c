#!/usr/bin/python3
"""Training parity: engram's trainer against an independent PyTorch run, step by step.

Usage: /usr/bin/python3 tools/peers/torch_train_parity.py CONFIG --data FILE --steps N
           [--batch B] [--json] [--engram-arg=--lr=2e-3 ...] [--tol-steps 1e-3] [--tol-heldout 0.02]

1. Runs `engram train CONFIG --data FILE --steps N --parity-dump DIR` (engram found through
   ENGRAM_BIN, else build/engram): engram writes its initial weights (a step-0 checkpoint)
   and every batch it trained and evaluated on (ids, targets, Engram row ids).
2. Rebuilds the same model in PyTorch (float32) from those weights, the architecture's
   definition (tools/peers/torch_lm_check.py) and the recipe engram wrote beside the
   batches (AdamW with decoupled decay on weights only, warmup + schedule, global-norm
   clipping, Engram tables with lazy or dense Adam at lr x table_lr_mult, the MoE router:
   softmax top-k + auxiliary loss, or sigmoid + bias moved by sign balancing), trains it on
   the very same batches and evaluates it on the same full held-out split.
3. Prints both loss curves step by step and exits non-zero when the first 20 steps differ
   by more than --tol-steps or the final held-out losses by more than --tol-heldout.

--json prints {"steps", "engram_loss", "torch_loss", "max_abs_diff_first_20",
"heldout_engram", "heldout_torch", ...}; --svg PATH draws the two curves overlaid.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_np  # noqa: E402
from torch_lm_check import engram_layer, rmsnorm, rope, swiglu  # noqa: E402

F = torch.nn.functional


def find_engram():
    e = os.environ.get("ENGRAM_BIN")
    if e:
        return e
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(here, "..", "..", "build", "engram")


def lr_at(o, step):
    """engram's lr_at (train/optimizer.cpp), in float32 like engram returns it."""
    lr, mn, w, tot, sched = o["lr"], o["min_lr"], o["warmup_steps"], o["total_steps"], o["schedule"]
    if sched == "constant":
        return np.float32(lr * np.float32(step + 1) / w) if (w > 0 and step < w) else np.float32(lr)
    if sched == "cosine_full":
        if step >= tot or tot <= 0:
            return np.float32(mn)
        ramp = (step + 1) / w if (w > 0 and step < w) else 1.0
        return np.float32(ramp * (mn + 0.5 * (lr - mn) * (1.0 + math.cos(math.pi * step / tot))))
    if w > 0 and step < w:
        return np.float32(np.float32(lr) * np.float32(step + 1) / np.float32(w))
    decay = tot - w
    if decay <= 0 or step >= tot:
        return np.float32(mn)
    p = (step - w) / decay
    if sched == "linear":
        return np.float32(lr + (mn - lr) * p)
    return np.float32(mn + 0.5 * (lr - mn) * (1.0 + math.cos(math.pi * p)))


def param_kind(name):
    if name.endswith("multi_head_embedding.embedding.weight"):
        return "table"
    if "norm" in name or name.endswith(".bias"):
        return "nodecay"
    return "weight"


class TorchLM:
    """The model of torch_lm_check.py in float32, with routing state and the aux loss."""

    def __init__(self, cfg, params, biases, sizes):
        self.cfg, self.P, self.sizes = cfg, params, sizes
        self.bias = biases  # per MoE layer, float32 [E] (sigmoid router's selection bias)
        self.loads = [torch.zeros(cfg["ffn"].get("n_experts", 0), dtype=torch.int64) for _ in biases]

    def moe(self, li, flat, pre):
        f = self.cfg["ffn"]
        P = self.P
        E, K = f["n_experts"], f["top_k"]
        logits = flat @ P[pre + "moe.router.weight"].T
        softmax = f.get("router", "softmax_aux") == "softmax_aux"
        s = logits.softmax(-1) if softmax else torch.sigmoid(logits)
        sel = s.detach() if softmax else s.detach() + self.bias[li]
        top = torch.topk(sel, K, dim=-1).indices
        gsel = s.gather(1, top)
        gsel = gsel / gsel.sum(-1, keepdim=True)
        y = torch.zeros_like(flat)
        counts = torch.bincount(top.reshape(-1), minlength=E)
        for e in range(E):
            tok, slot = (top == e).nonzero(as_tuple=True)
            if len(tok) == 0:
                continue
            out = swiglu(flat[tok], P[pre + "moe.w1"][e], P[pre + "moe.w3"][e], P[pre + "moe.w2"][e])
            y = y.index_add(0, tok, gsel[tok, slot][:, None] * out)
        if f.get("shared_hidden", 0) > 0:
            y = y + swiglu(flat, P[pre + "moe.shared_w1"], P[pre + "moe.shared_w3"], P[pre + "moe.shared_w2"])
        aux = flat.new_zeros(())
        if softmax and f.get("aux_loss_coef", 0) > 0:
            frac = counts.to(flat.dtype) / (flat.shape[0] * K)  # a constant
            aux = f["aux_loss_coef"] * E * (frac * s.mean(0)).sum()
        return y, aux, counts

    def forward(self, ids, rows, training):
        cfg, P = self.cfg, self.P
        d, H = cfg["d_model"], cfg["n_heads"]
        hd = d // H
        eps = cfg["norm_eps"]
        B, T = ids.shape
        x = P["tok_emb.weight"][torch.from_numpy(ids)]
        eng = cfg.get("engram")
        mask = torch.triu(torch.ones(T, T, dtype=torch.bool), 1)
        ei, mi = 0, 0
        aux_total = x.new_zeros(())
        for l in range(cfg["n_layers"]):
            pre = f"layers.{l}."
            if eng and l in eng["layer_ids"]:
                x = x + engram_layer(P, pre + "engram.", x, rows[ei], cfg, self.sizes[ei])
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
            if cfg["ffn"]["type"] == "dense":
                y = swiglu(h2, P[pre + "ffn.w1.weight"], P[pre + "ffn.w3.weight"], P[pre + "ffn.w2.weight"])
            else:
                yf, aux, counts = self.moe(mi, h2.reshape(-1, d), pre)
                if training:
                    self.loads[mi] += counts
                aux_total = aux_total + aux
                y = yf.view(B, T, d)
                mi += 1
            x = x + y
        x = rmsnorm(x, P["norm_f.weight"], eps)
        head = P["tok_emb.weight"] if cfg["tie_embeddings"] else P["lm_head.weight"]
        return x @ head.T, aux_total

    def update_bias(self, rate):
        if self.cfg["ffn"].get("router", "softmax_aux") != "sigmoid_bias":
            for ld in self.loads:
                ld.zero_()
            return
        for li, ld in enumerate(self.loads):
            mean = ld.double().mean()
            diff = mean - ld.double()
            self.bias[li] += np.float32(rate) * torch.sign(diff).to(self.bias[li].dtype)
            ld.zero_()


def global_rows(rows, sizes):
    off = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    return np.unique((rows + off[None, None, :]).reshape(-1))


def train_torch(init_path, batches_path, threads, log, dtype=torch.float32):
    torch.set_num_threads(threads)
    t, meta = safetensors_np.load(init_path)
    bt, bmeta = safetensors_np.load(batches_path)
    cfg = json.loads(bmeta["config"])
    o = json.loads(bmeta["optim"])
    steps = int(bmeta["steps"])
    n_eng = len(cfg.get("engram", {}).get("layer_ids", [])) if cfg.get("engram") else 0
    sizes = [bt[f"engram_table_sizes/{i}"] for i in range(n_eng)]
    P = {k[6:]: torch.tensor(v, dtype=dtype, requires_grad=True) for k, v in t.items() if k.startswith("param/")}
    biases = [torch.tensor(t[k], dtype=dtype) for k in sorted(
        (k for k in t if k.startswith("router_bias/")), key=lambda s: int(s.split("/")[1]))]
    model = TorchLM(cfg, P, biases, sizes)
    m = {n: torch.zeros_like(p) for n, p in P.items()}
    v = {n: torch.zeros_like(p) for n, p in P.items()}
    kinds = {n: param_kind(n) for n in P}
    b1, b2, eps = np.float32(o["beta1"]), np.float32(o["beta2"]), np.float32(o["eps"])
    losses = []
    t0 = time.time()
    for step in range(steps):
        ids, tgt = bt["train/ids"][step], bt["train/targets"][step]
        rows = [bt[f"train/rows/{i}"][step] for i in range(n_eng)]
        for p in P.values():
            p.grad = None
        logits, aux = model.forward(ids, rows, True)
        ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), torch.from_numpy(tgt).reshape(-1))
        (ce + aux).backward()
        losses.append(ce.item())
        with torch.no_grad():
            sq = sum(float((p.grad.double() ** 2).sum()) for p in P.values() if p.grad is not None)
            norm = math.sqrt(sq)
            clip = np.float32(o["grad_clip"] / norm) if (o["grad_clip"] > 0 and norm > o["grad_clip"]) else np.float32(1)
            lr = lr_at(o, step)
            tt = step + 1
            c1, c2 = np.float32(1.0 - o["beta1"] ** tt), np.float32(1.0 - o["beta2"] ** tt)
            for n, p in P.items():
                g = p.grad if p.grad is not None else torch.zeros_like(p)
                g = g * clip
                kind = kinds[n]
                if kind == "table":
                    tlr = np.float32(lr * np.float32(o["table_lr_mult"]))
                    if o["table_adam"] == "lazy":
                        li = int(n.split(".")[1])
                        ei = cfg["engram"]["layer_ids"].index(li)
                        r = torch.from_numpy(global_rows(rows[ei], sizes[ei]))
                        mr = b1 * m[n][r] + (1 - b1) * g[r]
                        vr = b2 * v[n][r] + (1 - b2) * g[r] * g[r]
                        m[n][r], v[n][r] = mr, vr
                        p[r] -= tlr * ((mr / c1) / (torch.sqrt(vr / c2) + eps))
                    else:
                        m[n].mul_(b1).add_((1 - b1) * g)
                        v[n].mul_(b2).add_((1 - b2) * g * g)
                        p -= tlr * ((m[n] / c1) / (torch.sqrt(v[n] / c2) + eps))
                    continue
                wd = np.float32(o["weight_decay"]) if kind == "weight" else np.float32(0)
                m[n].mul_(b1).add_((1 - b1) * g)
                v[n].mul_(b2).add_((1 - b2) * g * g)
                p -= lr * ((m[n] / c1) / (torch.sqrt(v[n] / c2) + eps) + wd * p)
            model.update_bias(cfg["ffn"].get("bias_update_rate", 0))
        if log and (step + 1) % max(1, steps // 10) == 0:
            el = time.time() - t0
            print(f"torch: step {step + 1}/{steps} loss {losses[-1]:.4f} "
                  f"({(step + 1) / el:.2f} steps/s, ETA {el / (step + 1) * (steps - step - 1):.0f}s)",
                  file=sys.stderr, flush=True)
    # Held-out: every window, token-weighted.
    hid, htg = bt["heldout/ids"], bt["heldout/targets"]
    hrows = [bt[f"heldout/rows/{i}"] for i in range(n_eng)]
    B = bt["train/ids"].shape[1]
    tot, ntok = 0.0, 0
    with torch.no_grad():
        for s in range(0, hid.shape[0], B):
            logits, _ = model.forward(hid[s:s + B], [r[s:s + B] for r in hrows], False)
            ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), torch.from_numpy(htg[s:s + B]).reshape(-1),
                                 reduction="sum")
            tot += ce.item()
            ntok += htg[s:s + B].size
    return losses, tot / ntok, ntok


def write_svg(path, eng, tor, title):
    W, H, pad = 720, 420, 50
    allv = [x for x in eng + tor if math.isfinite(x)]
    lo, hi = min(allv), max(allv)
    n = max(len(eng), 2)

    def pts(ys):
        return " ".join(f"{pad + (W - 2 * pad) * i / (n - 1):.1f},{H - pad - (H - 2 * pad) * (y - lo) / (hi - lo + 1e-12):.1f}"
                        for i, y in enumerate(ys))
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W / 2}" y="20" text-anchor="middle" font-size="14">{title}</text>',
           f'<line x1="{pad}" y1="{H - pad}" x2="{W - pad}" y2="{H - pad}" stroke="black"/>',
           f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{H - pad}" stroke="black"/>',
           f'<text x="{W / 2}" y="{H - 12}" text-anchor="middle">step</text>',
           f'<text x="12" y="{H / 2}" transform="rotate(-90 12 {H / 2})" text-anchor="middle">training loss (nats)</text>']
    for i in range(5):
        y = lo + (hi - lo) * i / 4
        yy = H - pad - (H - 2 * pad) * i / 4
        svg.append(f'<text x="{pad - 4}" y="{yy + 4:.1f}" text-anchor="end">{y:.2f}</text>')
    for i in range(5):
        s = (n - 1) * i / 4
        svg.append(f'<text x="{pad + (W - 2 * pad) * i / 4:.1f}" y="{H - pad + 16}" text-anchor="middle">{s + 1:.0f}</text>')
    svg.append(f'<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="{pts(eng)}"/>')
    svg.append(f'<polyline fill="none" stroke="#d62728" stroke-width="1" stroke-dasharray="4 3" points="{pts(tor)}"/>')
    svg.append(f'<text x="{W - pad - 150}" y="{pad}" fill="#1f77b4">engram</text>')
    svg.append(f'<text x="{W - pad - 150}" y="{pad + 16}" fill="#d62728">PyTorch (same batches)</text>')
    svg.append("</svg>")
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(svg))
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("config")
    ap.add_argument("--data", required=True)
    ap.add_argument("--steps", type=int, required=True)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--engram-arg", action="append", default=[],
                    help="extra `engram train` flag, e.g. --engram-arg=--lr=2e-3 (repeatable)")
    ap.add_argument("--out", help="keep engram's run and the dump here (default: a temp folder)")
    ap.add_argument("--tol-steps", type=float, default=1e-3, help="max |diff| over the first 20 steps")
    ap.add_argument("--tol-heldout", type=float, default=0.02, help="max |diff| of the final held-out losses")
    ap.add_argument("--svg", help="write the overlaid loss curves here")
    ap.add_argument("--torch-dtype", choices=["float32", "float64"], default="float32",
                    help="PyTorch's precision (float64 shows how far float32 rounding alone drifts)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()

    tmp = None
    out = a.out
    if not out:
        tmp = tempfile.TemporaryDirectory(prefix="engram-parity-")
        out = tmp.name
    os.makedirs(out, exist_ok=True)
    dump = os.path.join(out, "dump")
    cmd = [find_engram(), "train", a.config, "--data", a.data, "--steps", str(a.steps), "--batch", str(a.batch),
           "--seed", str(a.seed), "--out", os.path.join(out, "engram"), "--eval-every", str(a.steps),
           "--threads", str(a.threads), "--parity-dump", dump, "--json"] + a.engram_arg
    t0 = time.time()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=None if not a.json else subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.stderr.write((r.stderr or "") + f"\nparity: engram train failed ({r.returncode}): {' '.join(cmd)}\n")
        sys.exit(2)
    t_eng = time.time() - t0
    lines = [json.loads(x) for x in open(os.path.join(out, "engram", "metrics.jsonl")) if x.strip()]
    eng = [x["loss"] for x in lines]
    held_eng = [x["eval_loss"] for x in lines if "eval_loss" in x][-1]
    t0 = time.time()
    tor, held_tor, ntok = train_torch(os.path.join(dump, "init.safetensors"), os.path.join(dump, "batches.safetensors"),
                                      a.threads, not a.json, getattr(torch, a.torch_dtype))
    t_tor = time.time() - t0
    k = min(20, len(eng))
    diffs = [abs(x - y) for x, y in zip(eng, tor)]
    first = max(diffs[:k]) if k else float("nan")
    res = {"steps": len(eng), "engram_loss": eng, "torch_loss": tor, "max_abs_diff_first_20": first,
           "max_abs_diff_all": max(diffs) if diffs else float("nan"),
           "heldout_engram": held_eng, "heldout_torch": held_tor, "heldout_abs_diff": abs(held_eng - held_tor),
           "heldout_tokens": ntok, "tol_steps": a.tol_steps, "tol_heldout": a.tol_heldout,
           "seconds_engram": t_eng, "seconds_torch": t_tor, "config": a.config, "engram_args": a.engram_arg}
    ok = first <= a.tol_steps and abs(held_eng - held_tor) <= a.tol_heldout
    res["pass"] = bool(ok)
    if a.svg:
        write_svg(a.svg, eng, tor, f"{os.path.basename(a.config)}: engram vs PyTorch, {len(eng)} steps")
    if a.json:
        print(json.dumps(res))
    else:
        print(f"{'step':>5} {'engram':>10} {'torch':>10} {'|diff|':>9}")
        for i, (x, y) in enumerate(zip(eng, tor)):
            if i < 20 or (i + 1) % max(1, len(eng) // 20) == 0 or i + 1 == len(eng):
                print(f"{i + 1:>5} {x:>10.5f} {y:>10.5f} {abs(x - y):>9.2e}")
        print(f"max |diff| first {k} steps: {first:.2e} (tol {a.tol_steps}); all steps: {res['max_abs_diff_all']:.2e}")
        print(f"held-out ({ntok} tokens): engram {held_eng:.4f} torch {held_tor:.4f} "
              f"|diff| {abs(held_eng - held_tor):.4f} (tol {a.tol_heldout})")
        print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
