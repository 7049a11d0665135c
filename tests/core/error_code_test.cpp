// engram::Error codes: callers branch on the kind of failure, so each kind is checked at a
// real failure site (missing file, corrupt file, bad argument), through the public API.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "core/file.h"
#include "engram/error.h"
#include "engram/hash_config.h"
#include "engram/store.h"
#include "test_util.h"

namespace engram {
namespace {

ErrorCode code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "no engram::Error was thrown";
  return ErrorCode::kUnsupported;
}

HashConfig small_config() {
  HashConfig c;
  c.engram_vocab_size = {101, 101};
  c.max_ngram_size = 3;
  c.n_head_per_ngram = 2;
  c.n_embed_per_ngram = 16;
  c.layer_ids = {0};
  return c;
}

TEST(ErrorCode, Names) {
  EXPECT_STREQ(error_code_name(ErrorCode::kNotFound), "not found");
  EXPECT_STREQ(error_code_name(ErrorCode::kCorruption), "corruption");
  EXPECT_EQ(Error("x").code(), ErrorCode::kInvalidArgument);
}

TEST(ErrorCode, MissingFileIsNotFound) {
  const std::string p = test::scratch_dir() + "/no_such_file";
  EXPECT_EQ(code_of([&] { read_file(p); }), ErrorCode::kNotFound);
  EXPECT_EQ(code_of([&] { Table::open(p); }), ErrorCode::kNotFound);
  EXPECT_EQ(code_of([&] { HashConfig::load(p); }), ErrorCode::kNotFound);
}

TEST(ErrorCode, DamagedTableIsCorruption) {
  const std::string p = test::scratch_dir() + "/code_table.engt";
  create_table(p, small_config(), 0, "f32", nullptr, 1);
  std::string bytes = read_file(p);
  // A truncated file, then a flipped bit in the first block (read through pread).
  write_file_atomic(p, bytes.substr(0, bytes.size() / 2));
  EXPECT_EQ(code_of([&] { Table::open(p); }), ErrorCode::kCorruption);
  bytes[4096 + 3] ^= 1;
  write_file_atomic(p, bytes);
  StoreOptions so;
  so.kind = "pread";
  Table t = Table::open(p, so);
  std::vector<uint64_t> ids{0};
  std::vector<float> out(t.dim());
  EXPECT_EQ(code_of([&] { t.gather(ids, out.data()); }), ErrorCode::kCorruption);
}

TEST(ErrorCode, BadArgumentsAreInvalidArgument) {
  EXPECT_EQ(code_of([] { HashConfig::parse(R"({"n_head_per_ngram": 0})", "cfg"); }), ErrorCode::kInvalidArgument);
  StoreOptions so;
  so.kind = "tape";
  EXPECT_EQ(code_of([&] { validate(so); }), ErrorCode::kInvalidArgument);
  so.kind = "ram";
  so.cache_mb = 1;
  EXPECT_EQ(code_of([&] { validate(so); }), ErrorCode::kInvalidArgument);
  const std::string p = test::scratch_dir() + "/code_ids.engt";
  create_table(p, small_config(), 0, "bf16", nullptr, 1);
  Table t = Table::open(p);
  std::vector<uint64_t> ids{t.rows()};  // one past the end: refused, never clamped
  std::vector<float> out(t.dim());
  EXPECT_EQ(code_of([&] { t.gather(ids, out.data()); }), ErrorCode::kInvalidArgument);
}

TEST(ErrorCode, CorruptJsonIsCorruption) {
  const std::string p = test::scratch_dir() + "/code_cfg.json";
  write_file_atomic(p, "{\"max_ngram_size\": ");
  EXPECT_EQ(code_of([&] { HashConfig::load(p); }), ErrorCode::kCorruption);
}

}  // namespace
}  // namespace engram
