// Encode/decode of a loaded tokenizer: added-token split, normalization, pre-tokenization,
// BPE per piece.
//
// Invalid UTF-8 in encode's input: each maximal ill-formed subpart is replaced by U+FFFD
// first (what Python's errors="replace" and Rust's from_utf8_lossy give, i.e. the text HF
// would be handed), then the repaired text is encoded. decode(encode(s)) == s therefore
// holds exactly for well-formed s. decode() applies the same repair to its output, as HF's
// ByteLevel decoder does (from_utf8_lossy over the concatenated bytes).
#include "engram/tokenizer.h"

#include "core/error.h"
#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/utf8.h"

namespace engram {

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

int32_t Tokenizer::size() const { return static_cast<int32_t>(impl_->tokens.size()); }

static void check_id(const Tokenizer::Impl& im, int64_t id, const char* what) {
  if (id < 0 || id >= static_cast<int64_t>(im.tokens.size()))
    throw Error(std::string(what) + ": token id " + std::to_string(id) + " is outside the vocabulary [0, " +
                std::to_string(im.tokens.size()) + ") of " + im.source);
  if (!im.present[id])
    throw Error(std::string(what) + ": token id " + std::to_string(id) + " has no token in " + im.source);
}

std::string_view Tokenizer::token(int32_t id) const {
  check_id(*impl_, id, "token");
  return impl_->tokens[id];
}

std::string Tokenizer::token_bytes(int32_t id) const {
  check_id(*impl_, id, "token_bytes");
  return impl_->bytes[id];
}

std::optional<int32_t> Tokenizer::bos_id() const { return impl_->bos; }

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_bos) const {
  return impl_->encode(text, add_bos, /*reference=*/false);
}

std::vector<int32_t> Tokenizer::encode_reference(std::string_view text, bool add_bos) const {
  return impl_->encode(text, add_bos, /*reference=*/true);
}

std::vector<int32_t> Tokenizer::Impl::encode(std::string_view text, bool add_bos, bool reference) const {
  const Impl& im = *this;
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 2);
  if (add_bos) {
    if (!im.bos) throw Error(im.source + ": encode with BOS asked, but the tokenizer names no BOS token");
    ids.push_back(*im.bos);
  }
  std::string repaired;
  if (!utf8::is_valid(text)) {
    repaired = utf8::repair_lossy(text);
    text = repaired;
  }
  auto sink = [&](std::string_view piece) {
    if (reference) {
      im.bpe.encode_word_reference(piece, &ids);
    } else {
      im.bpe.encode_word(piece, &ids);
    }
  };
  // One piece between raw-matched added tokens: normalize it, then split it on the
  // normalized added tokens, then pre-tokenize (HF's extract_and_normalize).
  auto encode_plain = [&](uint32_t s, uint32_t e) {
    std::string normalized;
    std::string_view piece = text.substr(s, e - s);
    if (!im.normalizer.empty()) {
      normalized = im.normalizer.apply(piece);
      piece = normalized;
    }
    if (im.normalized_matcher.empty()) {
      im.pre.run(piece, sink);
      return;
    }
    if (piece.size() > UINT32_MAX)
      throw Error("encode: normalized text of " + std::to_string(piece.size()) + " bytes exceeds 4 GiB");
    std::vector<TextSegment> segs;
    im.normalized_matcher.split(piece, 0, static_cast<uint32_t>(piece.size()), &segs);
    for (const TextSegment& g : segs) {
      if (g.id >= 0) {
        ids.push_back(g.id);
      } else {
        im.pre.run(piece.substr(g.start, g.end - g.start), sink);
      }
    }
  };
  if (text.size() > UINT32_MAX) throw Error("encode: text of " + std::to_string(text.size()) + " bytes exceeds 4 GiB");
  if (im.raw_matcher.empty()) {
    encode_plain(0, static_cast<uint32_t>(text.size()));
    return ids;
  }
  std::vector<TextSegment> segs;
  im.raw_matcher.split(text, 0, static_cast<uint32_t>(text.size()), &segs);
  for (const TextSegment& g : segs) {
    if (g.id >= 0) {
      ids.push_back(g.id);
    } else {
      encode_plain(g.start, g.end);
    }
  }
  return ids;
}

std::string Tokenizer::decode(std::span<const int32_t> ids) const {
  const Impl& im = *impl_;
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) {
    int32_t id = ids[i];
    if (id < 0 || id >= static_cast<int32_t>(im.tokens.size()) || !im.present[id])
      throw Error("decode: id " + std::to_string(id) + " at position " + std::to_string(i) +
                  " is not in the vocabulary [0, " + std::to_string(im.tokens.size()) + ") of " + im.source);
    out += im.bytes[id];
  }
  if (!utf8::is_valid(out)) out = utf8::repair_lossy(out);
  return out;
}

}  // namespace engram
