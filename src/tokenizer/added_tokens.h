// Added (and special) tokens: found in the text before pre-tokenization, as HF's
// AddedVocabulary does: leftmost match first, the longest one among those starting there,
// then the search resumes after it. lstrip/rstrip widen a match over adjacent whitespace;
// single_word drops a match touching a word character.
// Thread safety: immutable after construction.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace engram {

struct AddedToken {
  std::string content;
  int32_t id = -1;
  bool special = false;
  bool lstrip = false;
  bool rstrip = false;
  bool single_word = false;
  bool normalized = false;
};

// A piece of the input: plain text (id < 0) or one added token.
struct TextSegment {
  uint32_t start, end;
  int32_t id;
};

class AddedTokenMatcher {
 public:
  AddedTokenMatcher() = default;
  // Tokens must have non-empty contents; duplicates of the same content keep the first.
  explicit AddedTokenMatcher(const std::vector<AddedToken>& tokens);

  bool empty() const { return tokens_.empty(); }

  // Splits text[begin, end) into plain and added-token segments, appended to *out in order.
  void split(std::string_view text, uint32_t begin, uint32_t end, std::vector<TextSegment>* out) const;

 private:
  // Longest token starting at text[pos] (before end), or -1; sets *len.
  int32_t longest_at(std::string_view text, size_t pos, size_t end, size_t* len) const;

  struct Node {
    uint32_t first_edge = 0, n_edges = 0;
    int32_t token = -1;  // index into tokens_
  };
  std::vector<AddedToken> tokens_;
  std::vector<Node> nodes_;
  std::vector<std::pair<uint8_t, uint32_t>> edges_;  // sorted by byte within a node
  bool first_byte_[256] = {};
  int single_first_byte_ = -1;  // when all tokens start with the same byte: memchr scan
};

}  // namespace engram
