// Pre-tokenizer parsing and execution; see pre_tokenizer.h.
#include "tokenizer/pre_tokenizer.h"

#include "core/error.h"

namespace engram {

const char* const kGpt2Pattern = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

namespace {

std::string escape_literal(const std::string& s) {
  // A Split "String" pattern is a literal: quote every regex metacharacter.
  std::string out;
  for (char c : s) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

SplitBehavior parse_behavior(const std::string& b, const std::string& where) {
  if (b == "Removed") return SplitBehavior::kRemoved;
  if (b == "Isolated") return SplitBehavior::kIsolated;
  if (b == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (b == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (b == "Contiguous") return SplitBehavior::kContiguous;
  throw Error(where + ": unknown split behavior '" + b +
              "' (expected Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous)");
}

bool opt_bool(const Json& j, const char* key, bool dflt, const std::string& where) {
  const Json* v = json_field_opt(j, key);
  return v ? json_bool(*v, where + "." + key) : dflt;
}

void parse_into(const Json& j, const std::string& where, std::vector<PreTokStep>* steps) {
  if (!j.is_object()) throw Error(where + ": expected an object, got " + std::string(j.type_name()));
  std::string type = json_string(json_field(j, "type", where), where + ".type");
  if (type == "Sequence") {
    const Json& list = json_field(j, "pretokenizers", where);
    if (!list.is_array()) throw Error(where + ".pretokenizers: expected an array");
    for (size_t i = 0; i < list.size(); ++i)
      parse_into(list[i], where + ".pretokenizers[" + std::to_string(i) + "]", steps);
    return;
  }
  if (type == "Split") {
    PreTokStep st;
    st.kind = PreTokStep::Kind::kSplit;
    const Json& pat = json_field(j, "pattern", where);
    std::string pw = where + ".pattern";
    if (const Json* r = json_field_opt(pat, "Regex")) {
      st.regex = std::make_unique<Regex>(json_string(*r, pw + ".Regex"), pw + ".Regex");
    } else if (const Json* s = json_field_opt(pat, "String")) {
      std::string lit = json_string(*s, pw + ".String");
      st.regex = std::make_unique<Regex>(escape_literal(lit), pw + ".String");
    } else {
      throw Error(pw + ": expected {\"Regex\": ...} or {\"String\": ...}");
    }
    st.behavior = parse_behavior(json_string(json_field(j, "behavior", where), where + ".behavior"), where + ".behavior");
    st.invert = opt_bool(j, "invert", false, where);
    steps->push_back(std::move(st));
    return;
  }
  if (type == "ByteLevel") {
    PreTokStep st;
    st.kind = PreTokStep::Kind::kByteLevel;
    st.add_prefix_space = opt_bool(j, "add_prefix_space", true, where);
    if (opt_bool(j, "use_regex", true, where)) st.regex = std::make_unique<Regex>(kGpt2Pattern, where + " (GPT-2 regex)");
    steps->push_back(std::move(st));
    return;
  }
  throw Error(where + ": pre-tokenizer type '" + type +
              "' is not supported (supported: Sequence, Split, ByteLevel; engram handles the byte-level BPE family)");
}

}  // namespace

PreTokenizer PreTokenizer::from_json(const Json& j, const std::string& where) {
  PreTokenizer p;
  if (j.is_null())
    throw Error(where + ": is null; engram needs a ByteLevel pre-tokenizer (byte-level BPE family)");
  parse_into(j, where, &p.steps_);
  for (size_t i = 0; i < p.steps_.size(); ++i) {
    bool last = i + 1 == p.steps_.size();
    if (p.steps_[i].kind == PreTokStep::Kind::kByteLevel && !last)
      throw Error(where + ": ByteLevel must be the last pre-tokenizer (later steps would see byte-level "
                          "characters, which engram does not model)");
  }
  if (p.steps_.empty() || p.steps_.back().kind != PreTokStep::Kind::kByteLevel)
    throw Error(where + ": no ByteLevel pre-tokenizer; engram supports byte-level BPE tokenizers only");
  return p;
}

void PreTokenizer::run(std::string_view text, const Sink& sink) const {
  if (text.empty()) return;
  run_step(0, text, sink, 0);
}

void PreTokenizer::run_step(size_t step, std::string_view piece, const Sink& sink, int depth) const {
  if (piece.empty()) return;
  if (step == steps_.size()) {
    sink(piece);
    return;
  }
  const PreTokStep& st = steps_[step];
  std::string prefixed;  // ByteLevel's prefix space makes a new string
  if (st.kind == PreTokStep::Kind::kByteLevel) {
    if (st.add_prefix_space && piece[0] != ' ') {
      prefixed.reserve(piece.size() + 1);
      prefixed += ' ';
      prefixed.append(piece);
      piece = prefixed;
    }
    if (!st.regex) {
      run_step(step + 1, piece, sink, depth + 1);
      return;
    }
  }
  // Matches -> (range, is_match) covering the piece (HF Pattern::find_matches), inverted if
  // asked; then the behaviour decides which ranges survive and how they join.
  std::vector<std::pair<uint32_t, uint32_t>> matches;
  st.regex->find_all(piece, &matches);
  struct Range {
    uint32_t start, end;
    bool is_match;
  };
  std::vector<Range> parts;
  parts.reserve(matches.size() * 2 + 1);
  uint32_t prev = 0;
  for (auto [s, e] : matches) {
    if (prev != s) parts.push_back({prev, s, false});
    parts.push_back({s, e, true});
    prev = e;
  }
  if (prev != piece.size()) parts.push_back({prev, static_cast<uint32_t>(piece.size()), false});
  bool invert = st.kind == PreTokStep::Kind::kSplit && st.invert;
  if (invert)
    for (Range& r : parts) r.is_match = !r.is_match;

  std::vector<Range> out;  // is_match now means "remove"
  out.reserve(parts.size());
  switch (st.kind == PreTokStep::Kind::kByteLevel ? SplitBehavior::kIsolated : st.behavior) {
    case SplitBehavior::kIsolated:
      for (const Range& r : parts) out.push_back({r.start, r.end, false});
      break;
    case SplitBehavior::kRemoved:
      out = parts;
      break;
    case SplitBehavior::kContiguous: {
      bool prev_match = false;
      for (const Range& r : parts) {
        if (r.is_match == prev_match && !out.empty()) {
          out.back().end = r.end;
        } else {
          out.push_back({r.start, r.end, false});
        }
        prev_match = r.is_match;
      }
      break;
    }
    case SplitBehavior::kMergedWithPrevious: {
      bool prev_match = false;
      for (const Range& r : parts) {
        if (r.is_match && !prev_match && !out.empty()) {
          out.back().end = r.end;
        } else {
          out.push_back({r.start, r.end, false});
        }
        prev_match = r.is_match;
      }
      break;
    }
    case SplitBehavior::kMergedWithNext: {
      bool prev_match = false;
      for (size_t k = parts.size(); k-- > 0;) {
        const Range& r = parts[k];
        if (r.is_match && !prev_match && !out.empty()) {
          out.back().start = r.start;
        } else {
          out.push_back({r.start, r.end, false});
        }
        prev_match = r.is_match;
      }
      std::reverse(out.begin(), out.end());
      break;
    }
  }
  for (const Range& r : out) {
    if (r.is_match || r.end == r.start) continue;
    run_step(step + 1, piece.substr(r.start, r.end - r.start), sink, depth + 1);
  }
}

}  // namespace engram
