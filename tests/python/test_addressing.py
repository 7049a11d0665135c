"""Addressing from Python: tokenizer, compression and NgramHasher against the vendored
oracle (the public demo's outputs) and against a numpy version of the demo's algorithm
(tools/peers/numpy_hash_bench.py), plus the errors bad input must raise."""
import importlib.util
import json

import numpy as np
import pytest

import engram
from conftest import ORACLE, REPO, load_array, oracle_case

CASES = ["demo_default", "ngram4_seed42", "tiny_equal_tables"]


def demo_peer():
    spec = importlib.util.spec_from_file_location("numpy_hash_bench", REPO / "tools" / "peers" / "numpy_hash_bench.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def hashers(tokenizer):
    out = {}
    for name in CASES:
        _, man = oracle_case(name)
        out[name] = engram.NgramHasher(tokenizer=tokenizer, config=man["config"])
    return out


def test_tokenizer_matches_hf_ids(tokenizer):
    cases = json.loads((ORACLE / "tokenization.json").read_text())["sentences"]
    assert cases
    for c in cases:
        got = tokenizer.encode(c["text"])
        assert got.dtype == np.int64
        assert got.tolist() == c["ids"], c["text"]
        assert tokenizer.encode(c["text"], add_bos=True).tolist() == c["ids_with_bos"]
        assert tokenizer.decode(got) == c["text"]
    batch = tokenizer.encode_batch([c["text"] for c in cases])
    assert [b.tolist() for b in batch] == [c["ids"] for c in cases]


def test_compression_matches_the_oracle(tokenizer):
    man = json.loads((ORACLE / "compression" / "manifest.json").read_text())["counts"]
    comp = engram.Compression(tokenizer)
    assert comp.vocab_size == man["len_tokenizer"] == len(tokenizer)
    assert comp.compressed_size == man["compressed_vocab_size"]
    d, hm = oracle_case("demo_default")
    for name, inp in hm["inputs"].items():
        raw = load_array(d, inp["input_ids"])
        if (raw < 0).any():
            continue  # the negative-id case is checked as an error below
        np.testing.assert_array_equal(comp.map(raw), load_array(d, inp["compressed_ids"]), err_msg=name)


@pytest.mark.parametrize("case", CASES)
def test_hash_is_bit_exact_with_the_demo(hashers, case):
    d, man = oracle_case(case)
    h = hashers[case]
    assert h.layer_ids == man["config"]["layer_ids"]
    checked = 0
    for name, inp in man["inputs"].items():
        raw = load_array(d, inp["input_ids"])
        if (raw < 0).any():
            # The demo's numpy indexing wraps a negative id; engram refuses it by position.
            with pytest.raises(engram.Error, match="position"):
                h.hash(raw)
            continue
        for threads in (1, 2):
            got = h.hash(raw, threads=threads)
            assert sorted(got) == sorted(man["config"]["layer_ids"])
            for layer, entry in inp["hash_ids"].items():
                want = load_array(d, entry)
                assert got[int(layer)].dtype == np.int64
                np.testing.assert_array_equal(got[int(layer)], want, err_msg=f"{case}/{name} layer {layer}")
                checked += 1
    assert checked > 0
    # The table sizes are the oracle's primes.
    for layer, sizes in man["prime_table_sizes"].items():
        assert h.table_sizes(int(layer)) == [p for per_n in sizes for p in per_n]


def test_hash_matches_the_numpy_demo_on_random_ids(tokenizer, hashers):
    peer = demo_peer()
    comp = engram.Compression(tokenizer)
    cfg = oracle_case("demo_default")[1]["config"]
    demo = peer.DemoHashPath(comp.lookup, vocab_per_ngram=cfg["engram_vocab_size"], max_n=cfg["max_ngram_size"],
                             heads=cfg["n_head_per_ngram"], layer_ids=cfg["layer_ids"], pad_id=cfg["pad_id"],
                             seed=cfg["seed"])
    rng = np.random.default_rng(7)
    ids = rng.integers(0, len(tokenizer), size=(4, 333), dtype=np.int64)
    want = demo(ids)
    got = hashers["demo_default"].hash(ids)
    for layer in cfg["layer_ids"]:
        np.testing.assert_array_equal(got[layer], want[layer])


def test_inputs_of_other_integer_types_and_torch_tensors(hashers):
    import torch
    h = hashers["demo_default"]
    ids = np.arange(2 * 17, dtype=np.int64).reshape(2, 17) * 997
    want = h.hash(ids)
    for other in (ids.astype(np.int32), ids.tolist(), torch.from_numpy(ids)):
        got = h.hash(other)
        for layer in want:
            np.testing.assert_array_equal(got[layer], want[layer])


def test_global_rows_add_the_column_offsets(hashers):
    h = hashers["tiny_equal_tables"]
    layer = h.layer_ids[0]
    local = h.hash(np.array([[5, 6, 7, 8]]))[layer]
    glob = h.global_rows(layer, local)
    np.testing.assert_array_equal(glob, local + np.array(h.offsets(layer)))
    assert glob.max() < h.total_rows(layer)
    bad = local.copy()
    bad[0, 0, 0] = h.table_sizes(layer)[0]  # one past its column's table
    with pytest.raises(engram.Error):
        h.global_rows(layer, bad)


def test_bad_input_raises_clearly(tokenizer, hashers):
    h = hashers["demo_default"]
    with pytest.raises(TypeError, match="integer"):
        h.hash(np.zeros((1, 4), dtype=np.float32))
    with pytest.raises(ValueError, match="C-contiguous"):
        h.hash(np.zeros((4, 6), dtype=np.int64)[:, ::2])
    with pytest.raises(ValueError, match=r"\[B, T\]"):
        h.hash(np.zeros(5, dtype=np.int64))
    with pytest.raises(engram.Error, match="position") as e:
        h.hash(np.array([[1, 2, len(tokenizer)]]))
    assert e.value.code == "invalid argument"
    with pytest.raises(ValueError, match="out of range"):
        h.hash(np.array([[2**63]], dtype=np.uint64))
    with pytest.raises(engram.Error, match="layer"):
        h.table_sizes(99)
    with pytest.raises(engram.Error, match="unknown preset"):
        engram.NgramHasher(tokenizer=tokenizer, preset="no-such-model")
    with pytest.raises(engram.Error, match="n_head_per_ngram"):
        engram.NgramHasher(tokenizer=tokenizer, config={"n_head_per_ngram": -8})
    with pytest.raises(engram.Error, match="no_such.json") as e:
        engram.Tokenizer("/no_such.json")
    assert e.value.code == "not found"
    with pytest.raises(engram.Error, match="outside the vocabulary"):
        tokenizer.decode([len(tokenizer)])


def test_presets_and_configs_agree(tokenizer):
    a = engram.NgramHasher(tokenizer=tokenizer, preset="demo")
    b = engram.NgramHasher(tokenizer=tokenizer, config=engram.HashConfig.demo().to_dict())
    assert a.config == b.config == engram.HashConfig.demo()
    ids = np.array([[10, 20, 30, 40, 50]])
    for layer, v in a.hash(ids).items():
        np.testing.assert_array_equal(v, b.hash(ids)[layer])


def test_stream_equals_the_batch_hash(hashers, tokenizer):
    h = hashers["ngram4_seed42"]
    ids = np.random.default_rng(5).integers(0, len(tokenizer), size=(1, 40))
    want = h.hash(ids)
    st = h.stream()
    del h  # the stream keeps its hasher alive
    for t in range(ids.shape[1]):
        step = st.append(int(ids[0, t]))
        assert step.shape == (len(want), next(iter(want.values())).shape[2])
        for li, layer in enumerate(want):  # hash() lists the layers in config order
            np.testing.assert_array_equal(step[li], want[layer][0, t])
    assert st.position == ids.shape[1]
    st.reset()
    np.testing.assert_array_equal(st.append(int(ids[0, 0]))[0], want[list(want)[0]][0, 0])
    with pytest.raises(engram.Error):
        st.append(len(tokenizer))


def test_hash_into_a_reused_buffer(hashers):
    h = hashers["ngram4_seed42"]
    ids = np.arange(3 * 20, dtype=np.int64).reshape(3, 20) * 31
    want = h.hash(ids)
    buf = np.full((len(want), 3, 20, h.config.columns), -1, dtype=np.int64)
    got = h.hash(ids, out=buf)
    for li, layer in enumerate(want):
        np.testing.assert_array_equal(buf[li], want[layer])
        assert np.shares_memory(got[layer], buf)
    with pytest.raises(ValueError, match="shape"):
        h.hash(ids, out=buf[:, :2])
    with pytest.raises(TypeError, match="int64"):
        h.hash(ids, out=buf.astype(np.int32))


# ---- released models' presets (tests/data/presets: numpy written from their model code)

PRESET_FILES = {"deepseek-v4.1": "deepseek_v41.json", "qwen4exp": "qwen4exp.json"}


def test_presets_and_layouts():
    assert engram.presets() == ["demo", "deepseek-v4.1", "qwen4exp"]
    v = engram.layout("deepseek-v4.1")
    assert [l["rows"] for l in v["layers"]] == [384006168, 384016682]
    assert v["layers"][0]["row_bytes"] == 264
    q = engram.layout("qwen4exp")
    assert q["layers"][0]["rows"] == 320001446 and q["layers"][0]["table_rows"] == 320001536
    assert q["eos_token_id"] == 248044
    with pytest.raises(engram.Error, match="unknown preset 'gpt-5'"):
        engram.layout("gpt-5")


@pytest.mark.parametrize("preset", sorted(PRESET_FILES))
def test_released_presets_hash_like_the_model_code(preset):
    want = json.loads((REPO / "tests" / "data" / "presets" / PRESET_FILES[preset]).read_text())
    ids = np.asarray(want["ids"], dtype=np.int64)
    h = engram.NgramHasher(preset=preset)  # canonical (V4.1) or raw (Qwen) ids as given
    rows = h.hash(ids)
    for layer in want["layers"]:
        lid = layer["layer_id"]
        assert h.global_rows(lid, rows[lid]).tolist() == layer["row_ids"], (preset, lid)
    # Decoding token by token gives the same rows, DEAD (-1) and EOS included.
    for b in range(ids.shape[0]):
        s = h.stream()
        for t in range(ids.shape[1]):
            step = s.append(int(ids[b, t]))
            for li, layer in enumerate(want["layers"]):
                got = h.global_rows(layer["layer_id"], step[li][None, :])[0].tolist()
                assert got == layer["row_ids"][b][t], (preset, b, t)


def test_released_preset_errors(tokenizer):
    h = engram.NgramHasher(preset="qwen4exp")
    with pytest.raises(engram.Error, match="248320"):
        h.hash(np.array([[1, 248320]], dtype=np.int64))
    with pytest.raises(engram.Error, match="-2"):
        h.hash(np.array([[1, -2]], dtype=np.int64))
    with pytest.raises(ValueError, match="tokenizer is required"):
        engram.NgramHasher(preset="demo")
    # DeepSeek-V3's tokenizer compresses to 98,627 ids; V4.1's multipliers need 99,092.
    with pytest.raises(engram.Error, match="98627.*99092"):
        engram.NgramHasher(tokenizer=tokenizer, preset="deepseek-v4.1")


def test_hash_one_layer_equals_that_layer_of_all(tokenizer):
    h = engram.NgramHasher(tokenizer=tokenizer, preset="demo")
    ids = np.stack([tokenizer.encode("And God said, Let there be light: and there was light."[:40])] * 2)
    every = h.hash(ids)
    for lid in h.layer_ids:
        one = h.hash(ids, layer_id=lid)
        assert one.shape == every[lid].shape
        assert np.array_equal(one, every[lid])
        buf = np.empty_like(one)
        assert h.hash(ids, layer_id=lid, out=buf) is not None and np.array_equal(buf, one)
    with pytest.raises(engram.Error, match="not an Engram layer"):
        h.hash(ids, layer_id=3)
    with pytest.raises(ValueError, match="expected shape"):
        h.hash(ids, layer_id=1, out=np.empty((1, 2, 3), dtype=np.int64))
    q = engram.NgramHasher(preset="qwen4exp")
    x = np.array([[5, 248044, 7, -1, 9]], dtype=np.int64)
    assert np.array_equal(q.hash(x, layer_id=2), q.hash(x)[2])
