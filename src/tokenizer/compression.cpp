// Building and applying the compression table P: V -> V' (ENGRAM.md section 3).
#include "engram/compression.h"

#include <string>
#include <unordered_map>

#include "core/error.h"
#include "engram/tokenizer.h"
#include "tokenizer/utf8.h"

namespace engram {

std::string compression_key(const Tokenizer& tok, int32_t id) {
  // 1. decode the single id as HF's ByteLevel decoder does, lossily.
  std::string text = utf8::repair_lossy(tok.token_bytes(id));
  // 2. a replacement character means the bytes are not text on their own: key on the raw
  //    vocabulary entry so that distinct byte fragments stay distinct.
  static const std::string kFffd = "\xEF\xBF\xBD";
  if (text.find(kFffd) != std::string::npos) return std::string(tok.token(id));
  std::string norm = normalize_for_compression(text);
  return norm.empty() ? text : norm;
}

Compression Compression::build(const Tokenizer& tok) {
  const int32_t n = tok.size();
  std::vector<int32_t> lookup(static_cast<size_t>(n));
  std::unordered_map<std::string, int32_t> key_to_new;
  key_to_new.reserve(static_cast<size_t>(n));
  for (int32_t id = 0; id < n; ++id) {
    auto [it, inserted] = key_to_new.try_emplace(compression_key(tok, id), static_cast<int32_t>(key_to_new.size()));
    lookup[id] = it->second;
  }
  Compression c;
  c.compressed_size_ = static_cast<int32_t>(key_to_new.size());
  c.lookup_ = std::move(lookup);
  return c;
}

Compression Compression::from_lookup(std::vector<int32_t> lookup) {
  int64_t max_new = -1;
  for (size_t i = 0; i < lookup.size(); ++i) {
    if (lookup[i] < 0)
      throw Error("compression table: entry " + std::to_string(i) + " is negative (" + std::to_string(lookup[i]) + ")");
    max_new = std::max<int64_t>(max_new, lookup[i]);
  }
  if (max_new >= static_cast<int64_t>(lookup.size()) && !lookup.empty())
    throw Error("compression table: new id " + std::to_string(max_new) + " is not below the table size " +
                std::to_string(lookup.size()) + " (a compression never grows the vocabulary)");
  std::vector<char> used(static_cast<size_t>(max_new + 1), 0);
  for (int32_t v : lookup) used[v] = 1;
  for (size_t v = 0; v < used.size(); ++v)
    if (!used[v]) throw Error("compression table: new id " + std::to_string(v) + " is never used (ids must be dense)");
  Compression c;
  c.compressed_size_ = static_cast<int32_t>(max_new + 1);
  c.lookup_ = std::move(lookup);
  return c;
}

int64_t Compression::map(int64_t id) const {
  if (id < 0 || id >= static_cast<int64_t>(lookup_.size()))
    throw Error("compression: token id " + std::to_string(id) + " is outside the table [0, " +
                std::to_string(lookup_.size()) + ") (never clamped)");
  return lookup_[static_cast<size_t>(id)];
}

void Compression::map(std::span<const int64_t> ids, std::span<int64_t> out, std::optional<int64_t> keep) const {
  if (ids.size() != out.size())
    throw Error("compression: input has " + std::to_string(ids.size()) + " ids but output has room for " +
                std::to_string(out.size()));
  const int64_t n = static_cast<int64_t>(lookup_.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    int64_t id = ids[i];
    if (keep && id == *keep) {
      out[i] = id;
      continue;
    }
    if (id < 0 || id >= n)
      throw Error("compression: token id " + std::to_string(id) + " at position " + std::to_string(i) +
                  " is outside the table [0, " + std::to_string(n) + ") (never clamped)");
    out[i] = lookup_[static_cast<size_t>(id)];
  }
}

}  // namespace engram
