// Faults (leveldb corruption_test / faiss test_io_corrupted style): truncation, wrong
// magic and version, flipped bytes, another hashing config, injected I/O errors. Each must
// give a clear engram::Error naming the problem, never rows.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/error.h"
#include "core/file.h"
#include "memory/cached_store.h"
#include "memory/file_stores.h"
#include "memory/ram_store.h"
#include "memory/uring_store.h"
#include "memory_test_util.h"

namespace engram {
namespace {

// Expects `f` to throw engram::Error whose message contains every needle.
template <typename F>
void expect_error(F&& f, std::initializer_list<const char*> needles) {
  try {
    f();
    ADD_FAILURE() << "no error thrown";
  } catch (const Error& e) {
    std::string m = e.what();
    for (const char* n : needles) EXPECT_NE(m.find(n), std::string::npos) << "missing '" << n << "' in: " << m;
  }
}

TableSpec spec16() { return test::small_spec(RowDtype::kF32, 64, {100, 60}); }  // 160 rows, 10 blocks

TEST(Faults, TruncatedFiles) {
  std::string p = test::make_table("trunc", spec16(), 3);
  uint64_t size = std::filesystem::file_size(p);
  for (uint64_t cut : {uint64_t{0}, uint64_t{100}, uint64_t{4095}, uint64_t{4096 + 5000}, size - 1}) {
    std::string q = test::scratch_table_path("trunc_cut");
    std::filesystem::copy_file(p, q);
    test::truncate_file(q, cut);
    expect_error([&] { TableFile::open(q); }, {q.c_str()});
    if (cut >= 4096) expect_error([&] { TableFile::open(q); }, {"truncated"});
  }
  // Trailing garbage is refused too.
  std::string q = test::scratch_table_path("trailing");
  std::filesystem::copy_file(p, q);
  test::truncate_file(q, size + 4096);
  expect_error([&] { TableFile::open(q); }, {"trailing bytes"});
}

TEST(Faults, WrongMagicVersionAndHeaderBytes) {
  std::string p = test::make_table("magic", spec16(), 3);
  test::flip_byte(p, 2);
  expect_error([&] { TableFile::open(p); }, {"magic", "offset 0", "not an engram table"});
  std::string v = test::make_table("version", spec16(), 3);
  test::flip_byte(v, 8);  // version 1 -> 0
  expect_error([&] { TableFile::open(v); }, {"version", "offset 8", "not supported"});
  // A flipped byte anywhere in the used header (here n_rows) trips the header CRC.
  std::string h = test::make_table("hdr", spec16(), 3);
  test::flip_byte(h, 40);
  expect_error([&] { TableFile::open(h); }, {"header_crc", "offset 108"});
  // ...and in the head table.
  std::string h2 = test::make_table("hdr2", spec16(), 3);
  test::flip_byte(h2, 128 + 3);
  expect_error([&] { TableFile::open(h2); }, {"header checksum mismatch"});
}

// A flipped data byte: every store refuses rows of that block, and names the block.
TEST(Faults, ChecksumMismatchInEveryStore) {
  std::string p = test::make_table("crc", spec16(), 3);
  const uint64_t block = 4;  // rows 64..79
  test::flip_byte(p, 4096 + block * 4096 + 300);
  // verify finds exactly that block.
  auto tf = TableFile::open(p);
  auto rep = tf->verify_all();
  ASSERT_EQ(rep.bad_blocks.size(), 1u);
  EXPECT_EQ(rep.bad_blocks[0], block);
  // RAM verifies everything at load.
  expect_error([&] { RamStore::load(TableFile::open(p)); }, {"checksum mismatch in block 4", "rows 64..79"});
  std::vector<float> out(64 * 2);
  std::vector<uint64_t> good = {3, 150}, bad = {3, 70};
  auto mm = MmapStore::open(TableFile::open(p));
  auto pr = PreadStore::open(TableFile::open(p));
  auto ur = UringStore::open(TableFile::open(p));
  RowCache::Options co;
  co.budget_bytes = 256 * 16;
  co.shards = 1;
  auto ca = std::make_shared<CachedStore>(UringStore::open(TableFile::open(p)), co);
  for (RowStore* s : std::initializer_list<RowStore*>{mm.get(), pr.get(), ur.get(), ca.get()}) {
    SCOPED_TRACE(s->kind());
    s->gather(good, out.data());  // other blocks still serve
    expect_error([&] { s->gather(bad, out.data()); }, {"checksum mismatch in block 4", "file offset 20480"});
    // Repeating the request fails again (mmap must not mark the block verified).
    expect_error([&] { s->gather(bad, out.data()); }, {"block 4"});
  }
  // Nothing from the bad block entered the cache.
  std::vector<uint8_t> row(256);
  EXPECT_FALSE(ca->cache().lookup(70, row.data()));
  // A flipped byte in the checksum region is caught too.
  std::string c = test::make_table("crc2", spec16(), 3);
  test::flip_byte(c, TableFile::open(c)->info().crc_offset + 1);
  EXPECT_EQ(TableFile::open(c)->verify_all().bad_blocks, (std::vector<uint64_t>{0}));
}

TEST(Faults, TableBuiltForAnotherHashingConfig) {
  Json cfg = parse_json(R"({"engram_vocab_size":[1000,1000],"layer_ids":[1,15],"max_ngram_size":3,
      "n_embed_per_ngram":128,"n_head_per_ngram":2,"pad_id":2,"seed":0})", "cfg");
  TableSpec s = test::small_spec(RowDtype::kF32, 64, {1009, 1013, 1019, 1021});
  s.config_json = canonical_hash_config(cfg, "cfg");
  std::string p = test::make_table("cfg", s, 1);
  Json other = cfg;
  other["seed"] = 7;
  uint64_t mine = config_fingerprint(s.config_json);
  uint64_t theirs = config_fingerprint(canonical_hash_config(other, "other"));
  TableOpenOptions ok;
  ok.expected_fingerprint = mine;
  ok.expected_layer_id = 1;
  EXPECT_NO_THROW(TableFile::open(p, ok));
  TableOpenOptions wrong;
  wrong.expected_fingerprint = theirs;
  expect_error([&] { TableFile::open(p, wrong); }, {"another hashing config", "fingerprint"});
  TableOpenOptions wrong_layer;
  wrong_layer.expected_layer_id = 15;
  expect_error([&] { TableFile::open(p, wrong_layer); }, {"layer 1", "expected layer 15"});
  // Hashed values outside a head (another hasher's primes) are refused when mapped to rows.
  auto tf = TableFile::open(p);
  std::vector<uint64_t> rows;
  std::vector<int64_t> hashed = {0, 1012, 5, 6};
  to_global_row_ids(tf->info(), hashed, rows);
  EXPECT_EQ(rows, (std::vector<uint64_t>{0, 1009 + 1012, 1009 + 1013 + 5, 1009 + 1013 + 1019 + 6}));
  hashed[1] = 1013;
  expect_error([&] { to_global_row_ids(tf->info(), hashed, rows); }, {"head 1", "1013"});
}

TEST(Faults, InjectedIoErrorsThroughTheFileSeam) {
  std::string p = test::make_table("io", spec16(), 3);
  auto make_faulty = [&](uint64_t bad_offset) {
    auto f = std::make_unique<FaultyFile>(PosixFile::open(p));
    f->fail_if = [bad_offset](uint64_t off, size_t n) { return (off <= bad_offset && bad_offset < off + n) ? EIO : 0; };
    return f;
  };
  // Header read fails.
  expect_error([&] { TableFile::open(make_faulty(0)); }, {"Input/output error", "injected", "offset 0"});
  // A block read fails in the pread store; other blocks still work.
  auto ps = PreadStore::open(TableFile::open(make_faulty(4096 + 2 * 4096 + 10)));
  std::vector<float> out(64);
  std::vector<uint64_t> id = {33};  // block 2
  expect_error([&] { ps->gather(id, out.data()); }, {"offset 12288", "Input/output error"});
  id = {3};
  ps->gather(id, out.data());
  EXPECT_EQ(0, std::memcmp(out.data(), test::expected_row(spec16(), 3, 3).data(), 256));
  // RAM load fails.
  expect_error([&] { RamStore::load(TableFile::open(make_faulty(4096 + 9 * 4096))); }, {"Input/output error"});
  // Silent corruption on the wire is caught by the block CRC.
  auto cf = std::make_unique<FaultyFile>(PosixFile::open(p));
  cf->corrupt_if = [](uint64_t off, size_t) { return off == 4096 + 4096; };
  auto ps2 = PreadStore::open(TableFile::open(std::move(cf)));
  id = {20};
  expect_error([&] { ps2->gather(id, out.data()); }, {"checksum mismatch in block 1"});
  // io_uring completion errors: the store drains and reports the failed block.
  UringStore::Options uo;
  uo.queue_depth = 2;
  uo.fault_injector = [](uint64_t off) { return off == 4096 + 7 * 4096 ? EIO : 0; };
  auto us = UringStore::open(TableFile::open(p), uo);
  std::vector<uint64_t> many = {1, 17, 33, 49, 65, 81, 97, 113, 129, 145};
  std::vector<float> outs(many.size() * 64);
  expect_error([&] { us->gather(many, outs.data()); }, {"read of block 7", "Input/output error"});
  many = {1, 17, 145};
  us->gather(many, outs.data());  // the ring is reusable after a failed batch
  EXPECT_EQ(0, std::memcmp(outs.data() + 2 * 64, test::expected_row(spec16(), 3, 145).data(), 256));
}

TEST(Faults, FuzzedHeadersNeverCrash) {
  // Flip each byte of the used header region in turn (reserved bytes included: the header
  // CRC covers them): open must throw, never misbehave.
  std::string p = test::make_table("fuzzhdr", spec16(), 3);
  std::string bytes = read_file(p);
  for (size_t off = 0; off < 128 + 32; ++off) {
    std::string b = bytes;
    b[off] ^= 0x40;
    EXPECT_THROW(TableFile::open(std::make_unique<MemFile>("mem.engt", b)), Error) << "offset " << off;
  }
}

}  // namespace
}  // namespace engram
