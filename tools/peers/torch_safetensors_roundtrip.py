#!/usr/bin/env python3
"""Round trip of Engram layer weights between PyTorch and the C++ engine, both ways.

  1. PyTorch -> engram: builds the Engram module (engram_torch.py) at the oracle's
     small_hc4 config, loads the oracle weights into it, saves its state_dict with a
     hand-written safetensors writer (json + struct), writes CFG.json and IN (input_ids,
     hidden_states, hash_ids), runs `engram layer forward`, and compares OUT's `output`
     and `gates` with the PyTorch forward and with the oracle.
  2. engram -> PyTorch: reads OUT (written by our C++ writer), and a weights file written
     by the C++ writer (the test suite's test_scratch/oracle_layer.safetensors, or
     --ours PATH) which is loaded into a fresh module with load_state_dict(strict=True);
     its forward must reproduce the oracle.
Usage: /usr/bin/python3 tools/peers/torch_safetensors_roundtrip.py --engram build/engram
       [--oracle tests/data/oracle/module/small_hc4] [--ours PATH] [--work DIR]
Prints max abs differences and exits non-zero if any exceeds rtol 1e-4 / atol 1e-5.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from engram_torch import Engram, load_safetensors, oracle_state_dict, save_safetensors  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def load_bin(d, entry):
    dt = {"float32": np.float32, "float64": np.float64, "int64": np.int64}[entry["dtype"]]
    return np.fromfile(os.path.join(d, entry["file"]), dtype=dt).reshape(entry["shape"])


def close(name, got, want, failures):
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    err = np.abs(got - want)
    ok = bool(np.all(err <= 1e-5 + 1e-4 * np.abs(want)))
    print(f"  {name:50s} max abs diff {err.max():.3e}  {'ok' if ok else 'FAIL'}")
    if not ok:
        failures.append(name)


def build_module(man):
    c, d = man["config"], man["derived"]
    return Engram(d["head_table_sizes_for_layer"], c["n_embed_per_ngram"], c["n_head_per_ngram"],
                  c["max_ngram_size"], c["hidden_size"], c["hc_mult"], c["kernel_size"])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engram", default=os.path.join(REPO, "build", "engram"))
    ap.add_argument("--oracle", default=os.path.join(REPO, "tests", "data", "oracle", "module", "small_hc4"))
    ap.add_argument("--ours", default=None, help="weights written by the C++ writer")
    ap.add_argument("--work", default=None)
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="engram_rt_")
    os.makedirs(work, exist_ok=True)
    man = json.load(open(os.path.join(a.oracle, "manifest.json")))
    W = {k: load_bin(a.oracle, v) for k, v in man["weights"].items()}
    M = man["config"]["hc_mult"]
    failures = []

    # --- PyTorch -> engram -------------------------------------------------------------
    mod = build_module(man)
    sd = oracle_state_dict(W, M)
    mod.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in sd.items()}, strict=True)
    torch_w = os.path.join(work, "torch_weights.safetensors")
    save_safetensors(torch_w, {k: v.detach().numpy() for k, v in mod.state_dict().items()}, {"format": "pt"})
    cfg = dict(man["config"])
    cfg.pop("torch_seed", None)
    cfg_path = os.path.join(work, "cfg.json")
    json.dump(cfg, open(cfg_path, "w"))
    print(f"PyTorch state_dict -> {torch_w}; engram layer forward on each oracle case:")
    for case, ent in man["inputs"].items():
        ids = load_bin(a.oracle, ent["input_ids"])
        hid = load_bin(a.oracle, ent["hidden_states"])
        hsh = load_bin(a.oracle, ent["hash_ids"])
        in_path = os.path.join(work, f"{case}.in.safetensors")
        out_path = os.path.join(work, f"{case}.out.safetensors")
        save_safetensors(in_path, {"input_ids": ids, "hidden_states": hid, "hash_ids": hsh})
        subprocess.run([a.engram, "layer", "forward", "--config", cfg_path, "--weights", torch_w,
                        "--inputs", in_path, "--out", out_path], check=True)
        out = load_safetensors(out_path)  # written by the C++ writer: engram -> Python
        with torch.no_grad():
            ty, tg = mod(torch.from_numpy(hid), torch.from_numpy(hsh))
        close(f"{case} engram output vs PyTorch", out["output"], ty.numpy(), failures)
        close(f"{case} engram gates vs PyTorch", out["gates"], tg.numpy(), failures)
        close(f"{case} engram output vs oracle", out["output"], load_bin(a.oracle, ent["output"]), failures)
        close(f"{case} PyTorch output vs oracle", ty.numpy(), load_bin(a.oracle, ent["output"]), failures)

    # --- engram -> PyTorch -------------------------------------------------------------
    ours = a.ours or os.path.join(REPO, "build", "test_scratch", "oracle_layer.safetensors")
    if os.path.exists(ours):
        print(f"C++-written weights {ours} -> PyTorch load_state_dict(strict=True):")
        fresh = build_module(man)
        st = load_safetensors(ours)
        fresh.load_state_dict({k: torch.from_numpy(v) for k, v in st.items()}, strict=True)
        for case, ent in man["inputs"].items():
            with torch.no_grad():
                ty, _ = fresh(torch.from_numpy(load_bin(a.oracle, ent["hidden_states"])),
                              torch.from_numpy(load_bin(a.oracle, ent["hash_ids"])))
            close(f"{case} PyTorch(ours weights) output vs oracle", ty.numpy(),
                  load_bin(a.oracle, ent["output"]), failures)
    else:
        print(f"(skipping engram -> PyTorch weights: {ours} not found; run test_layer first or pass --ours)")
    print("round trip:", "FAIL " + ", ".join(failures) if failures else "ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
