"""Minimal safetensors reader/writer with numpy (Debian has no python3-safetensors).

Written from the format's description: 8-byte little-endian header length, a JSON header
{name: {dtype, shape, data_offsets}}, then the data buffer.
"""
import json
import struct

import numpy as np

_DT = {"F64": np.float64, "F32": np.float32, "I64": np.int64, "I32": np.int32, "U8": np.uint8,
       "I8": np.int8, "I16": np.int16, "F16": np.float16}


def load(path):
    """Returns (tensors: {name: np.ndarray}, metadata: dict)."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    base = 8 + n
    out = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        if info["dtype"] == "BF16":
            u16 = np.frombuffer(raw[base + b:base + e], dtype=np.uint16)
            arr = (u16.astype(np.uint32) << 16).view(np.float32)
        else:
            arr = np.frombuffer(raw[base + b:base + e], dtype=_DT[info["dtype"]])
        out[name] = arr.reshape(info["shape"]).copy()
    return out, meta


def save(path, tensors, metadata=None):
    """Writes {name: np.ndarray} (F32/F64/I64/I32) with an 8-aligned data buffer."""
    rev = {v: k for k, v in _DT.items()}
    header, blobs, off = {}, [], 0
    for name, arr in tensors.items():
        arr = np.ascontiguousarray(arr)
        data = arr.tobytes()
        header[name] = {"dtype": rev[arr.dtype.type], "shape": list(arr.shape), "data_offsets": [off, off + len(data)]}
        blobs.append(data)
        off += len(data)
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
