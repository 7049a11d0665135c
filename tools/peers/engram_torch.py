"""The Engram layer in PyTorch, written for this project from the algorithm in
shared/design/ENGRAM.md section 5 (the demo's module structure and state_dict names:
multi_head_embedding.embedding.weight, multi_head_embedding.offsets, value_proj,
key_projs.{m}, norm1.{m}, norm2.{m}, short_conv.conv, short_conv.norms.{m}).

Debian's torch 1.13 has no nn.RMSNorm, so RMSNorm is spelled out with the same math as
torch.nn.RMSNorm (x * rsqrt(mean(x^2) + eps) * weight; eps None -> finfo(dtype).eps).
The forward takes precomputed hash ids [B, T, (N-1)*heads] (the n-gram hashing is a
separate, cheap numpy step in the demo) and returns (output, gates).

Also a minimal safetensors reader/writer with json+struct (python3-safetensors is not
packaged here), used as an independent check of the C++ implementation.
"""
import json
import math
import struct

import numpy as np
import torch
import torch.nn as nn


def oracle_state_dict(w, hc_mult):
    """The demo module's state_dict from the oracle's stacked weight arrays (manifest names:
    key_projs.weight [hc, d, E] etc.): per-branch modules are numbered (key_projs.0, ...)."""
    sd = {"multi_head_embedding.embedding.weight": w["embedding.weight"],
          "multi_head_embedding.offsets": w["offsets"],
          "value_proj.weight": w["value_proj.weight"], "value_proj.bias": w["value_proj.bias"],
          "short_conv.conv.weight": w["short_conv.conv.weight"]}
    for m in range(hc_mult):
        for name in ("key_projs.weight", "key_projs.bias", "norm1.weight", "norm2.weight", "short_conv.norms.weight"):
            mod, leaf = name.rsplit(".", 1)
            sd[f"{mod}.{m}.{leaf}"] = w[name][m]
    return {k: np.ascontiguousarray(v) for k, v in sd.items()}


class RMSNorm(nn.Module):
    def __init__(self, dim, eps=None):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        eps = self.eps if self.eps is not None else torch.finfo(x.dtype).eps
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * self.weight


class MultiHeadEmbedding(nn.Module):
    def __init__(self, sizes, dim):
        super().__init__()
        offsets = [0]
        for n in sizes[:-1]:
            offsets.append(offsets[-1] + n)
        self.register_buffer("offsets", torch.tensor(offsets, dtype=torch.long))
        self.embedding = nn.Embedding(sum(sizes), dim)

    def forward(self, ids):
        return self.embedding(ids + self.offsets)


class ShortConv(nn.Module):
    def __init__(self, hidden, kernel, dilation, hc, eps=1e-5):
        super().__init__()
        self.hc = hc
        ch = hidden * hc
        self.conv = nn.Conv1d(ch, ch, kernel, groups=ch, bias=False,
                              padding=(kernel - 1) * dilation, dilation=dilation)
        self.norms = nn.ModuleList([RMSNorm(hidden, eps=eps) for _ in range(hc)])
        self.act = nn.SiLU()

    def forward(self, x):  # [B, T, hc, d]
        B, T, G, C = x.shape
        xn = torch.cat([self.norms[i](x[:, :, i, :]) for i in range(G)], dim=-1)
        y = self.conv(xn.transpose(1, 2))[..., :T]
        return self.act(y).transpose(1, 2).reshape(B, T, G, C)


class Engram(nn.Module):
    def __init__(self, table_sizes, n_embed_per_ngram, n_head_per_ngram, max_ngram_size,
                 hidden, hc, kernel):
        super().__init__()
        self.hidden, self.hc = hidden, hc
        self.multi_head_embedding = MultiHeadEmbedding(table_sizes, n_embed_per_ngram // n_head_per_ngram)
        self.short_conv = ShortConv(hidden, kernel, max_ngram_size, hc)
        E = (max_ngram_size - 1) * n_embed_per_ngram
        self.value_proj = nn.Linear(E, hidden)
        self.key_projs = nn.ModuleList([nn.Linear(E, hidden) for _ in range(hc)])
        self.norm1 = nn.ModuleList([RMSNorm(hidden) for _ in range(hc)])
        self.norm2 = nn.ModuleList([RMSNorm(hidden) for _ in range(hc)])

    def forward(self, hidden_states, hash_ids):
        e = self.multi_head_embedding(hash_ids).flatten(start_dim=-2)
        gates = []
        for m in range(self.hc):
            k = self.norm1[m](self.key_projs[m](e))
            q = self.norm2[m](hidden_states[:, :, m, :])
            g = (k * q).sum(dim=-1) / math.sqrt(self.hidden)
            g = g.abs().clamp_min(1e-6).sqrt() * g.sign()
            gates.append(g.sigmoid().unsqueeze(-1))
        gates = torch.stack(gates, dim=2)  # [B, T, hc, 1]
        value = gates * self.value_proj(e).unsqueeze(2)
        return value + self.short_conv(value), gates.squeeze(-1)


_DT = {"F32": (np.float32, 4), "F64": (np.float64, 8), "I64": (np.int64, 8),
       "I32": (np.int32, 4), "BF16": (np.uint16, 2)}
_NP = {np.dtype(np.float32): "F32", np.dtype(np.float64): "F64",
       np.dtype(np.int64): "I64", np.dtype(np.int32): "I32"}


def save_safetensors(path, tensors, metadata=None):
    """tensors: name -> numpy array (C order written)."""
    header, blobs, off = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, arr in tensors.items():
        arr = np.ascontiguousarray(arr)
        b = arr.tobytes()
        header[name] = {"dtype": _NP[arr.dtype], "shape": list(arr.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    text = json.dumps(header).encode()
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def load_safetensors(path):
    """name -> numpy array; BF16 is widened to float32."""
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dt, size = _DT[info["dtype"]]
        b, e = info["data_offsets"]
        arr = np.frombuffer(data[b:e], dtype=dt).reshape(info["shape"])
        if info["dtype"] == "BF16":
            arr = (arr.astype(np.uint32) << 16).view(np.float32)
        out[name] = arr.copy()
    return out
