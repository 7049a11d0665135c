"""PyTorch modules over engram: the Engram embedding lookup with its table in any memory
tier, trained by the engine's lazy Adam.

    hasher = engram.NgramHasher(tokenizer=TOK, config=CFG)
    emb = engram.torch.EngramEmbedding(hasher, layer_id=1, dir="tables", store="ssd", cache_mb=256)
    opt = engram.torch.TableAdam([emb], lr=1e-3)
    e = emb(input_ids)            # [B, T, (N-1) * heads, head_dim], autograd-aware
    loss(e ...).backward(); opt.step(); opt.zero_grad()

Forward hashes the ids (addresses need only the tokens), reads the distinct rows the batch
hits from the table, and indexes them; autograd sums each row's gradient over its uses
(the index backward). TableAdam.step() hands those rows and gradients to the table's lazy
Adam: only hit rows move, as torch.optim.SparseAdam on an nn.Embedding(sparse=True).
"""
import numpy as np
import torch
from torch import nn

from ._engram import TrainableTable

__all__ = ["EngramEmbedding", "TableAdam"]


class EngramEmbedding(nn.Module):
    """The multi-head n-gram embedding of one Engram layer (the demo's MultiHeadEmbedding
    over the hashed ids), its stacked table a TrainableTable in `store`."""

    def __init__(self, hasher, layer_id, dir, store="ram", cache_mb=0.0, values=None, std=1.0, seed=0):
        super().__init__()
        self.hasher = hasher
        self.layer_id = int(layer_id)
        self.table = TrainableTable.create(dir, hasher.config, self.layer_id, store=store, cache_mb=cache_mb,
                                           values=values, std=std, seed=seed)
        self.columns = hasher.config.columns
        self.head_dim = hasher.config.head_dim
        self._hits = []  # (distinct rows, their leaf tensor) of every forward since the last step

    def rows(self, input_ids):
        """Global row ids [B, T, columns] of input_ids [B, T] (raw tokenizer ids)."""
        ids = input_ids.numpy() if isinstance(input_ids, torch.Tensor) else np.asarray(input_ids)
        local = self.hasher.hash(np.ascontiguousarray(ids, dtype=np.int64), layer_id=self.layer_id)
        return self.hasher.global_rows(self.layer_id, local)

    def forward(self, input_ids):
        rows = self.rows(input_ids)
        uniq, inverse = np.unique(rows, return_inverse=True)
        w = torch.from_numpy(self.table.read(uniq))
        if self.training and torch.is_grad_enabled():
            w.requires_grad_(True)
            self._hits.append((uniq, w))
        return w[torch.from_numpy(inverse.reshape(rows.shape))]

    def take_gradients(self):
        """The distinct rows hit since the last call and their summed gradients [n, head_dim]."""
        hits = [(r, w.grad) for r, w in self._hits if w.grad is not None]
        self._hits = []
        if not hits:
            return None, None
        if len(hits) == 1:
            return hits[0][0], hits[0][1].numpy()
        rows = np.concatenate([r for r, _ in hits])
        grads = np.concatenate([g.numpy() for _, g in hits])
        uniq, inv = np.unique(rows, return_inverse=True)
        summed = np.zeros((len(uniq), grads.shape[1]), dtype=np.float32)
        np.add.at(summed, inv, grads)
        return uniq, summed


class TableAdam:
    """The engine's lazy Adam for EngramEmbedding tables (hit rows only; bias correction by
    the global step, counted by this optimiser). Pair it with any torch optimiser for the
    dense parameters."""

    def __init__(self, modules, lr, betas=(0.9, 0.999), eps=1e-8):
        self.modules = list(modules)
        self.lr, self.betas, self.eps = float(lr), betas, float(eps)
        self.step_count = 0

    def step(self):
        self.step_count += 1
        for m in self.modules:
            rows, grads = m.take_gradients()
            if rows is None:
                continue
            m.table.adam_step(rows, np.ascontiguousarray(grads, dtype=np.float32), lr=self.lr, step=self.step_count,
                              beta1=self.betas[0], beta2=self.betas[1], eps=self.eps)

    def zero_grad(self):
        """Clears the gradients of the rows read so far (as torch optimisers clear .grad): a
        forward run before zero_grad() still trains if its backward comes after."""
        for m in self.modules:
            for _, w in m._hits:
                w.grad = None
