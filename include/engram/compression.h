// Tokenizer compression P: V -> V' (ENGRAM.md section 3): token ids whose decoded text
// normalises to the same key share one canonical id, numbered in first-seen order.
// Immutable after construction; thread-safe to read.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace engram {

class Tokenizer;

// The demo's normaliser chain: NFKC, NFD, drop General_Category Mark, per-char lowercase,
// runs of [ \t\r\n] -> " ", keep a lone " ", strip White_Space at both ends.
std::string normalize_for_compression(std::string_view utf8);

// The key of one id (ENGRAM.md section 3 steps 1-2): the raw token string when its decoded
// text has U+FFFD, else the normalised text, else (empty) the decoded text.
std::string compression_key(const Tokenizer& tok, int32_t id);

class Compression {
 public:
  // Builds the table from every id 0..tok.size()-1.
  static Compression build(const Tokenizer& tok);
  // From an explicit lookup table (tests, saved tables); validates it.
  static Compression from_lookup(std::vector<int32_t> lookup);

  int32_t vocab_size() const { return static_cast<int32_t>(lookup_.size()); }
  int32_t compressed_size() const { return compressed_size_; }
  const std::vector<int32_t>& lookup() const { return lookup_; }

  // Maps one id; throws engram::Error if id is outside [0, vocab_size()) (never clamps).
  int64_t map(int64_t id) const;
  // Maps ids in bulk; throws naming the first bad id and its position. An id equal to `keep`
  // (a marker outside the vocabulary: -1 for the released models' DEAD positions) passes
  // through unchanged.
  void map(std::span<const int64_t> ids, std::span<int64_t> out, std::optional<int64_t> keep = std::nullopt) const;

 private:
  std::vector<int32_t> lookup_;
  int32_t compressed_size_ = 0;
};

}  // namespace engram
