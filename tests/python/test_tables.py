"""Tables, stores and the prefetcher from Python: every store returns the rows written,
into numpy arrays and torch tensors, and bad input raises instead of crashing."""
import numpy as np
import pytest
import torch

import engram

CFG = {"engram_vocab_size": [101, 103], "max_ngram_size": 3, "n_embed_per_ngram": 16,
       "n_head_per_ngram": 2, "layer_ids": [1], "pad_id": 2, "seed": 0}


@pytest.fixture(scope="module")
def cfg():
    return engram.HashConfig(CFG)


@pytest.fixture(scope="module")
def table_rows(cfg):
    total = sum(cfg.table_sizes()[0])
    return np.random.default_rng(3).standard_normal((total, cfg.head_dim)).astype(np.float32)


@pytest.fixture()
def f32_path(tmp_path, cfg, table_rows):
    p = str(tmp_path / "t.engt")
    engram.create_table(p, cfg, 1, "f32", rows=table_rows)
    return p


def stores():
    kinds = [("ram", 0), ("mmap", 0), ("pread", 0), ("pread", 1)]
    return kinds


@pytest.mark.parametrize("kind,cache_mb", stores())
def test_every_store_gathers_the_rows_written(f32_path, table_rows, kind, cache_mb):
    ids = np.array([[0, 5, 17], [table_rows.shape[0] - 1, 5, 2]])
    with engram.Table.open(f32_path, store=kind, cache_mb=cache_mb) as t:
        assert (t.rows, t.dim, t.dtype, t.layer_id) == (table_rows.shape[0], table_rows.shape[1], "f32", 1)
        got = t.gather(ids)
        assert got.shape == (2, 3, table_rows.shape[1]) and got.dtype == np.float32
        np.testing.assert_array_equal(got, table_rows[ids])
        again = t.gather(ids)  # served from the cache the second time, where there is one
        np.testing.assert_array_equal(again, table_rows[ids])


def test_ssd_store_or_a_named_unsupported_error(f32_path, table_rows):
    ids = np.arange(0, table_rows.shape[0], 7)
    try:
        t = engram.Table.open(f32_path, store="ssd", cache_mb=1)
    except engram.Error as e:  # a kernel without io_uring: the error says so, by its code
        assert e.code == "unsupported" and "io_uring" in str(e)
        return
    with t:
        np.testing.assert_array_equal(t.gather(ids), table_rows[ids])


def test_bf16_rows_and_bf16_output(tmp_path, cfg, table_rows):
    p = str(tmp_path / "b.engt")
    engram.create_table(p, cfg, 1, "bf16", rows=table_rows)
    ids = np.array([3, 1, 4, 1, 5])
    want_bf16 = torch.from_numpy(table_rows[ids]).to(torch.bfloat16)  # torch's rounding, nearest even
    with engram.Table.open(p, store="mmap") as t:
        assert t.dtype == "bf16"
        np.testing.assert_array_equal(t.gather(ids), want_bf16.float().numpy())
        got = t.gather(ids, dtype="bfloat16")
        assert got.dtype == torch.bfloat16 and torch.equal(got, want_bf16)
        out = torch.empty((5, cfg.head_dim), dtype=torch.bfloat16)
        assert t.gather(ids, out=out) is out and torch.equal(out, want_bf16)


def test_gather_into_caller_buffers(f32_path, table_rows):
    ids = np.array([9, 8, 7])
    with engram.Table.open(f32_path) as t:
        out = np.zeros((3, t.dim), dtype=np.float32)
        assert t.gather(ids, out=out) is out
        np.testing.assert_array_equal(out, table_rows[ids])
        tout = torch.zeros((3, t.dim))
        assert t.gather(torch.tensor(ids), out=tout) is tout
        np.testing.assert_array_equal(tout.numpy(), table_rows[ids])


def test_bad_gathers_raise(f32_path):
    t = engram.Table.open(f32_path)
    with pytest.raises(ValueError, match="negative"):
        t.gather(np.array([1, -2]))
    with pytest.raises(engram.Error, match=str(t.rows)) as e:
        t.gather(np.array([0, t.rows]))
    assert e.value.code == "invalid argument"
    with pytest.raises(TypeError, match="integer"):
        t.gather(np.array([0.5]))
    with pytest.raises(ValueError, match="shape"):
        t.gather(np.array([1, 2]), out=np.zeros((3, t.dim), dtype=np.float32))
    with pytest.raises(TypeError, match="float32"):
        t.gather(np.array([1]), out=np.zeros((1, t.dim), dtype=np.float64))
    with pytest.raises(ValueError, match="contiguous"):
        t.gather(np.array([1, 2]), out=np.zeros((t.dim, 2), dtype=np.float32).T)
    with pytest.raises(ValueError, match="requires grad"):
        t.gather(np.array([1]), out=torch.zeros((1, t.dim), requires_grad=True))
    with pytest.raises(TypeError, match="float32 or bfloat16"):
        t.gather(np.array([1]), out=torch.zeros((1, t.dim), dtype=torch.float64))
    with pytest.raises(ValueError, match="dtype"):
        t.gather(np.array([1]), dtype="float16")
    t.close()
    assert t.closed
    with pytest.raises(engram.Error, match="closed"):
        t.gather(np.array([1]))
    with pytest.raises(engram.Error, match="closed"):
        t.rows


def test_bad_files_and_options_raise(tmp_path, f32_path):
    with pytest.raises(engram.Error) as e:
        engram.Table.open(str(tmp_path / "missing.engt"))
    assert e.value.code == "not found" and "missing.engt" in str(e.value)
    with pytest.raises(engram.Error, match="store kind"):
        engram.Table.open(f32_path, store="tape")
    with pytest.raises(engram.Error, match="cache"):
        engram.Table.open(f32_path, store="ram", cache_mb=4)
    # A flipped byte in a row block is caught by its checksum, naming the file.
    data = bytearray(open(f32_path, "rb").read())
    data_offset = int.from_bytes(data[56:64], "little")  # docs/FORMAT.md: the first block
    data[data_offset + 8] ^= 0xFF
    bad = tmp_path / "flipped.engt"
    bad.write_bytes(bytes(data))
    with pytest.raises(engram.Error) as e:
        t = engram.Table.open(str(bad), store="pread")
        t.gather(np.arange(t.rows))
    assert e.value.code == "corruption" and "flipped.engt" in str(e.value)


def test_scatter_flush_and_reopen(f32_path, table_rows):
    ids = np.array([4, 11])
    new = np.full((2, table_rows.shape[1]), 0.25, dtype=np.float32)
    t = engram.Table.open(f32_path, store="ram", writable=True)
    t.scatter(ids, new)
    np.testing.assert_array_equal(t.gather(ids), new)
    t.close()  # flushes: nothing scattered is lost
    with engram.Table.open(f32_path, store="pread") as r:
        np.testing.assert_array_equal(r.gather(ids), new)
        np.testing.assert_array_equal(r.gather(np.array([5])), table_rows[[5]])
    with engram.Table.open(f32_path) as ro, pytest.raises(engram.Error):
        ro.scatter(ids, new)  # read-only


def test_prefetcher_returns_each_submit_in_order(f32_path, table_rows):
    rng = np.random.default_rng(0)
    batches = [rng.integers(0, table_rows.shape[0], size=(4, 6)) for _ in range(5)]
    with engram.Table.open(f32_path, store="pread", cache_mb=1) as t:
        pf = engram.Prefetcher(t, budget_mb=1, threads=2)
        tickets = [pf.submit(b) for b in batches[:2]]
        assert pf.pending == 2
        np.testing.assert_array_equal(pf.wait(), table_rows[batches[0]])
        with pytest.raises(engram.Error, match="already"):
            tickets[0].wait()
        np.testing.assert_array_equal(tickets[1].wait(), table_rows[batches[1]])
        assert pf.pending == 0  # a ticket waited on directly leaves the queue too
        with pytest.raises(engram.Error, match="nothing to wait for"):
            pf.wait()
        for b in batches[2:]:
            pf.submit(b)
        for b in batches[2:]:
            np.testing.assert_array_equal(pf.wait(), table_rows[b])


def test_prefetcher_errors(f32_path, table_rows):
    t = engram.Table.open(f32_path)
    pf = engram.Prefetcher(t)
    with pytest.raises(engram.Error, match="nothing to wait for"):
        pf.wait()
    with pytest.raises(engram.Error, match="beyond the table"):
        pf.submit(np.array([t.rows + 3]))
    with pytest.raises(engram.Error, match="budget"):
        engram.Prefetcher(t, budget_mb=0)
    with pytest.raises(engram.Error, match="larger|budget"):
        engram.Prefetcher(t, budget_mb=0.001).submit(np.arange(t.rows))
    t.close()
    with pytest.raises(engram.Error, match="closed"):
        pf.submit(np.array([1]))


def e4m3_lut():
    """docs/FORMAT.md: OCP e4m3 'FN' (bias 7, subnormals m * 2^-9, S.1111.111 is NaN)."""
    b = np.arange(256)
    s, e, m = b >> 7, (b >> 3) & 15, b & 7
    v = np.where(e == 0, m * 2.0 ** -9, (1 + m / 8) * 2.0 ** (e - 7.0))
    v = np.where((e == 15) & (m == 7), np.nan, v)
    return np.where(s == 1, -v, v)


def read_fp8_rows_by_hand(path, ids):
    """Rows of an fp8 table decoded from the file's bytes with the layout of docs/FORMAT.md."""
    data = open(path, "rb").read()
    u32 = lambda off: int.from_bytes(data[off:off + 4], "little")  # noqa: E731
    u64 = lambda off: int.from_bytes(data[off:off + 8], "little")  # noqa: E731
    assert u32(16) == 3  # dtype fp8
    dim, rows_per_block, data_offset, block_bytes = u32(20), u32(28), u64(56), u64(64)
    row_bytes = dim + dim // 32
    lut = e4m3_lut()
    out = np.empty((len(ids), dim))
    for k, r in enumerate(ids):
        at = data_offset + (r // rows_per_block) * block_bytes + (r % rows_per_block) * row_bytes
        row = np.frombuffer(data, dtype=np.uint8, count=row_bytes, offset=at)
        scales = 2.0 ** (row[dim:].astype(np.float64) - 127)
        out[k] = lut[row[:dim]] * np.repeat(scales, 32)
    return out


def test_fp8_rows_decode_as_the_format_says(tmp_path):
    cfg = engram.HashConfig(dict(CFG, n_embed_per_ngram=64))  # head_dim 32: one scale per row
    total = sum(cfg.table_sizes()[0])
    rows = (np.random.default_rng(8).standard_normal((total, cfg.head_dim)) * 3).astype(np.float32)
    p = str(tmp_path / "f8.engt")
    engram.create_table(p, cfg, 1, "fp8", rows=rows)
    ids = np.array([0, 1, 77, total - 1, 77])
    want = read_fp8_rows_by_hand(p, ids)
    assert np.all(np.abs(want - rows[ids]) <= np.abs(rows[ids]) / 16 + 1e-6)  # fp8 keeps ~4 significant bits
    for kind in ("ram", "mmap", "pread"):
        with engram.Table.open(p, store=kind) as t:
            assert t.dtype == "fp8"
            np.testing.assert_array_equal(t.gather(ids), want.astype(np.float32))
            got = t.gather(ids, dtype="bfloat16")
            assert torch.equal(got, torch.from_numpy(want.astype(np.float32)).to(torch.bfloat16))
