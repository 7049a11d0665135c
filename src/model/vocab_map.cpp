#include "model/vocab_map.h"

#include <algorithm>

#include "core/error.h"

namespace engram::model {

VocabMap VocabMap::from_tokens(std::span<const uint32_t> toks) {
  uint32_t mx = 0;
  for (uint32_t t : toks) mx = std::max(mx, t);
  std::vector<char> seen(static_cast<size_t>(mx) + 1, 0);
  for (uint32_t t : toks) seen[t] = 1;
  std::vector<int32_t> list;
  for (size_t i = 0; i < seen.size(); ++i)
    if (seen[i]) list.push_back(static_cast<int32_t>(i));
  return from_list(std::move(list));
}

VocabMap VocabMap::from_list(std::vector<int32_t> m2t) {
  VocabMap v;
  v.model_to_tok = std::move(m2t);
  int32_t mx = 0;
  for (int32_t t : v.model_to_tok) {
    if (t < 0) throw Error("vocabulary map holds a negative token id " + std::to_string(t));
    // The reverse map has max id + 1 entries: bound it like the model's vocabulary.
    if (t >= (1 << 24))
      throw Error("vocabulary map holds token id " + std::to_string(t) + ", beyond the supported maximum 2^24 - 1");
    mx = std::max(mx, t);
  }
  v.tok_to_model.assign(static_cast<size_t>(mx) + 1, -1);
  for (size_t i = 0; i < v.model_to_tok.size(); ++i) {
    int32_t& slot = v.tok_to_model[v.model_to_tok[i]];
    if (slot >= 0) throw Error("vocabulary map lists token id " + std::to_string(v.model_to_tok[i]) + " twice");
    slot = static_cast<int32_t>(i);
  }
  return v;
}

int32_t VocabMap::to_model(int64_t tok, int64_t position) const {
  if (tok < 0 || tok >= static_cast<int64_t>(tok_to_model.size()) || tok_to_model[tok] < 0)
    throw Error("token id " + std::to_string(tok) + " at position " + std::to_string(position) +
                " is not in the model's vocabulary (the ids seen in its training corpus)");
  return tok_to_model[tok];
}

}  // namespace engram::model
