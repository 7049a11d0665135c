// Token files: a corpus tokenized once, memory-mapped for training.
//
// Layout (little-endian): 32-byte header
//   [0,8)   magic "ENGTOK01"
//   [8,16)  n_tokens (u64)
//   [16,24) FNV-1a 64 hash of the tokenizer.json bytes the ids came from
//   [24,32) FNV-1a 64 hash of the token bytes that follow
// then n_tokens u32 tokenizer ids. Written atomically; a reader checks the size, magic and
// the data hash, and refuses a file made with another tokenizer.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace engram::train {


class TokenFile {
 public:
  // Maps and validates; throws Error naming the path and the problem.
  static TokenFile open(const std::string& path, uint64_t tokenizer_hash);
  TokenFile(TokenFile&&) noexcept;
  TokenFile& operator=(TokenFile&&) noexcept;
  ~TokenFile();

  std::span<const uint32_t> tokens() const { return {data_, n_}; }

  static void write(const std::string& path, std::span<const uint32_t> ids, uint64_t tokenizer_hash);

 private:
  TokenFile() = default;
  void* map_ = nullptr;
  size_t map_size_ = 0;
  const uint32_t* data_ = nullptr;
  size_t n_ = 0;
};

// Tokenizes a text corpus into a token file beside it (<text>.engtok), unless an up-to-date
// one exists; returns the token file's path. Shows progress on long corpora.
std::string ensure_token_file(const std::string& data_path, const std::string& tokenizer_path);

}  // namespace engram::train
