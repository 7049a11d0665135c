"""engram: Engram conditional memory from Python.

Addressing (tokenizer ids -> Engram row ids, bit-exact with the public demo), tables in
any memory tier (ram, mmap, pread, ssd + hot-row cache) and an address-driven prefetcher,
on numpy arrays and CPU torch tensors without copies where the layout allows.

    import engram
    h = engram.NgramHasher(tokenizer="tokenizer.json", config={"layer_ids": [1, 15], ...})
    rows = h.hash(input_ids)            # {layer_id: int64 [B, T, (N-1) * heads]}
    t = engram.Table.open("layer1.engt", store="ssd", cache_mb=512)
    x = t.gather(h.global_rows(1, rows[1]))   # float32 [B, T, columns, head_dim]
    q = engram.NgramHasher(preset="qwen4exp")  # a released model's addressing (also deepseek-v4.1)
    engram.layout("deepseek-v4.1")["layers"][0]["rows"]   # 384006168

Errors raise engram.Error (a RuntimeError) with the engine's message and `.code`.
engram.torch (imported on its own: it needs torch) has the training modules.
"""
from ._engram import (  # noqa: F401  (re-exported API)
    Compression,
    Error,
    HashConfig,
    HashStream,
    Layer,
    NgramHasher,
    PrefetchTicket,
    Prefetcher,
    Table,
    Tokenizer,
    TrainableTable,
    __version__,
    create_table,
    layout,
    presets,
    store_kinds,
)

__all__ = [
    "Compression", "Error", "HashConfig", "HashStream", "Layer", "NgramHasher", "PrefetchTicket", "Prefetcher", "Table",
    "Tokenizer", "TrainableTable", "create_table", "layout", "presets", "store_kinds", "__version__",
]
