// Trie-based leftmost-longest matcher for added tokens; see added_tokens.h.
#include "tokenizer/added_tokens.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "tokenizer/unicode_props.h"
#include "tokenizer/utf8.h"

namespace engram {

namespace {

// Code point ending at text[end) (end > begin), walking back over continuation bytes.
uint32_t last_cp(std::string_view text, size_t begin, size_t end) {
  size_t p = end - 1;
  while (p > begin && (static_cast<unsigned char>(text[p]) & 0xC0) == 0x80) --p;
  size_t len = 0;
  return utf8::decode(text, p, &len);
}

}  // namespace

AddedTokenMatcher::AddedTokenMatcher(const std::vector<AddedToken>& tokens) {
  // Build with maps, then flatten to sorted edge arrays.
  std::vector<std::map<uint8_t, uint32_t>> kids(1);
  std::vector<int32_t> tok(1, -1);
  for (const AddedToken& t : tokens) {
    uint32_t node = 0;
    for (unsigned char b : t.content) {
      auto it = kids[node].find(b);
      if (it == kids[node].end()) {
        kids.emplace_back();
        tok.push_back(-1);
        uint32_t child = static_cast<uint32_t>(kids.size() - 1);
        kids[node][b] = child;
        node = child;
      } else {
        node = it->second;
      }
    }
    if (tok[node] < 0) {
      tok[node] = static_cast<int32_t>(tokens_.size());
      tokens_.push_back(t);
    }
  }
  nodes_.resize(kids.size());
  for (size_t i = 0; i < kids.size(); ++i) {
    nodes_[i].first_edge = static_cast<uint32_t>(edges_.size());
    nodes_[i].n_edges = static_cast<uint32_t>(kids[i].size());
    nodes_[i].token = tok[i];
    for (auto [b, child] : kids[i]) edges_.emplace_back(b, child);
  }
  int n_first = 0;
  for (auto [b, child] : kids[0]) {
    first_byte_[b] = true;
    single_first_byte_ = b;
    ++n_first;
  }
  if (n_first != 1) single_first_byte_ = -1;
}

int32_t AddedTokenMatcher::longest_at(std::string_view text, size_t pos, size_t end, size_t* len) const {
  uint32_t node = 0;
  int32_t best = -1;
  for (size_t i = pos; i < end; ++i) {
    const Node& nd = nodes_[node];
    auto first = edges_.begin() + nd.first_edge, last = first + nd.n_edges;
    uint8_t b = static_cast<uint8_t>(text[i]);
    auto it = std::lower_bound(first, last, b, [](const auto& e, uint8_t v) { return e.first < v; });
    if (it == last || it->first != b) break;
    node = it->second;
    if (nodes_[node].token >= 0) {
      best = nodes_[node].token;
      *len = i + 1 - pos;
    }
  }
  return best;
}

void AddedTokenMatcher::split(std::string_view text, uint32_t begin, uint32_t end,
                              std::vector<TextSegment>* out) const {
  size_t emitted = begin;  // start of the pending plain-text segment
  size_t pos = begin;
  while (pos < end) {
    if (single_first_byte_ >= 0) {
      const void* hit = std::memchr(text.data() + pos, single_first_byte_, end - pos);
      if (!hit) break;
      pos = static_cast<const char*>(hit) - text.data();
    } else if (!first_byte_[static_cast<uint8_t>(text[pos])]) {
      ++pos;
      continue;
    }
    size_t len = 0;
    int32_t t = longest_at(text, pos, end, &len);
    if (t < 0) {
      ++pos;
      continue;
    }
    const AddedToken& tk = tokens_[t];
    size_t mstart = pos, mstop = pos + len;
    if (tk.single_word) {
      // Bounds are the whole piece being split, as HF checks sentence[..start] / [stop..].
      bool start_ok = mstart == begin || !unicode::is_word_char(last_cp(text, begin, mstart));
      size_t l2 = 0;
      bool stop_ok = mstop == end || !unicode::is_word_char(utf8::decode(text, mstop, &l2));
      if (!start_ok || !stop_ok) {
        pos = mstop;  // HF's automaton resumes after the discarded match
        continue;
      }
    }
    if (tk.lstrip) {
      size_t s = mstart;
      while (s > emitted) {
        size_t p = s - 1;
        while (p > begin && (static_cast<unsigned char>(text[p]) & 0xC0) == 0x80) --p;
        size_t l2 = 0;
        if (!unicode::is_white_space(utf8::decode(text, p, &l2))) break;
        s = p;
      }
      mstart = s;
    }
    if (tk.rstrip) {
      while (mstop < end) {
        size_t l2 = 0;
        uint32_t cp = utf8::decode(text, mstop, &l2);
        if (!unicode::is_white_space(cp)) break;
        mstop += l2;
      }
    }
    if (emitted < mstart) out->push_back({static_cast<uint32_t>(emitted), static_cast<uint32_t>(mstart), -1});
    out->push_back({static_cast<uint32_t>(mstart), static_cast<uint32_t>(mstop), tk.id});
    emitted = mstop;
    pos = mstop;
  }
  if (emitted < end) out->push_back({static_cast<uint32_t>(emitted), static_cast<uint32_t>(end), -1});
}

}  // namespace engram
