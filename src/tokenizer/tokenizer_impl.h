// Internal state of a loaded Tokenizer, shared by the loader (tokenizer_json.cpp) and the
// encoder/decoder (tokenizer.cpp). Not part of the public API.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tokenizer/added_tokens.h"
#include "tokenizer/bpe.h"
#include "tokenizer/normalizers.h"
#include "tokenizer/pre_tokenizer.h"
#include "engram/tokenizer.h"

namespace engram {

struct Tokenizer::Impl {
  std::string source;  // file name for messages
  // Per id (0..size-1): the token string, its decoded bytes, whether the id exists.
  std::vector<std::string> tokens;
  std::vector<std::string> bytes;
  std::vector<char> present;
  std::vector<AddedToken> added;
  // Added tokens matched on the raw text; each piece between them is normalized, then the
  // normalized added tokens (contents normalized too) are matched on it, HF's order.
  AddedTokenMatcher raw_matcher, normalized_matcher;
  Normalizer normalizer;
  PreTokenizer pre;
  BpeModel bpe;
  std::optional<int32_t> bos;

  std::vector<int32_t> encode(std::string_view text, bool add_bos, bool reference) const;
};

}  // namespace engram
