"""engram.Layer from Python against the public demo's Engram module (vendored oracle
tensors, tests/data/oracle/module): same weights, same hidden states and row ids -> the
demo's gates and output, at the C++ oracle test's float32 tolerances."""
import importlib.util
import json

import numpy as np

import engram
from conftest import ORACLE, REPO


def peer_module(name):
    spec = importlib.util.spec_from_file_location(name, REPO / "tools" / "peers" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_layer_forward_equals_the_demo_module(tmp_path):
    d = ORACLE / "module" / "small_hc4"
    man = json.loads((d / "manifest.json").read_text())

    def arr(entry):
        return np.fromfile(d / entry["file"], dtype=np.dtype(entry["dtype"]).newbyteorder("<")).reshape(entry["shape"])

    w = {k: arr(v) for k, v in man["weights"].items()}
    hc = man["config"]["hc_mult"]
    peer = peer_module("engram_torch")  # the demo's state_dict names (per-branch modules numbered)
    peer_module("safetensors_np").save(str(tmp_path / "w.safetensors"), peer.oracle_state_dict(w, hc))
    cfg = {k: v for k, v in man["config"].items() if k != "torch_seed"}
    (tmp_path / "layer.json").write_text(json.dumps(cfg))

    layer = engram.Layer.load(str(tmp_path / "layer.json"), str(tmp_path / "w.safetensors"), threads=1)
    assert (layer.layer_id, layer.hc_mult, layer.hidden_size) == (cfg["layer_id"], hc, cfg["hidden_size"])
    for name, case in man["inputs"].items():
        y, gates = layer.forward(arr(case["hidden_states"]), arr(case["hash_ids"]))
        np.testing.assert_allclose(gates, arr(case["gates"]), rtol=1e-4, atol=1e-5, err_msg=name)
        np.testing.assert_allclose(y, arr(case["output"]), rtol=1e-4, atol=1e-5, err_msg=name)
    bad = arr(man["inputs"]["b1_t4"]["hash_ids"]).copy()
    bad[0, 0, 0] = 10**9  # beyond its column's table: named, never clamped
    try:
        layer.forward(arr(man["inputs"]["b1_t4"]["hidden_states"]), bad)
    except engram.Error as e:
        assert "rows" in str(e)
    else:
        raise AssertionError("an out-of-range row id was accepted")
