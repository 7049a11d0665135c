// Hugging Face tokenizer.json loader and byte-level BPE encoder/decoder.
// Supports the byte-level BPE family (DeepSeek-V3, GPT-2 style): added/special tokens,
// Sequence/Split/ByteLevel pre-tokenizers (Unicode-property regexes via PCRE2), BPE merges.
// Thread safety: a loaded Tokenizer is immutable; encode/decode may run concurrently.
// Failure: load throws engram::Error naming the file and the JSON field; decode throws
// on an id outside [0, size()).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace engram {

class Tokenizer {
 public:
  static Tokenizer load(const std::string& path);
  // `source` names the origin in error messages.
  static Tokenizer from_json(std::string_view json_text, const std::string& source);

  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  // Token ids of `text`, special/added tokens matched as HF does; with add_bos the BOS id
  // (the post-processor's / begin-of-sentence token) is prepended.
  std::vector<int32_t> encode(std::string_view text, bool add_bos = false) const;
  // The same ids through the reference path: HF's heap-ordered BPE merge loop on every
  // piece, no word cache, no fast paths. Slower; tests compare encode() against it.
  std::vector<int32_t> encode_reference(std::string_view text, bool add_bos = false) const;
  // Concatenated text of the ids (ByteLevel decoder); throws on an unknown id.
  std::string decode(std::span<const int32_t> ids) const;

  // Number of ids: max(base vocab ids, added token ids) + 1, i.e. len(tokenizer) in HF.
  int32_t size() const;
  // The raw token string (vocabulary entry or added-token content) of an id.
  std::string_view token(int32_t id) const;
  // The bytes one id decodes to (ByteLevel mapping, or the added token's UTF-8).
  std::string token_bytes(int32_t id) const;
  std::optional<int32_t> bos_id() const;

  struct Impl;

 private:
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace engram
