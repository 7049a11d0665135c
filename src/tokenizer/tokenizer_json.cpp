// tokenizer.json loader: turns HF's serialised tokenizer into Tokenizer::Impl, checking
// every field it relies on and rejecting features it does not implement (an error naming
// the JSON path beats silently different token ids).
#include <unordered_map>

#include "core/error.h"
#include "core/file.h"
#include "core/json_util.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/normalizers.h"
#include "tokenizer/tokenizer_impl.h"

namespace engram {

namespace {

// Ids index dense per-id tables, so a file must not name ids far beyond its entry count
// (a corrupt "id": 2000000000 would otherwise allocate gigabytes).
constexpr int64_t kIdSlack = 1 << 16;

bool opt_bool(const Json& j, const char* key, bool dflt, const std::string& where) {
  const Json* v = json_field_opt(j, key);
  return v ? json_bool(*v, where + "." + key) : dflt;
}

std::optional<std::string> opt_string(const Json& j, const char* key, const std::string& where) {
  const Json* v = json_field_opt(j, key);
  if (!v) return std::nullopt;
  return json_string(*v, where + "." + key);
}

std::string type_of(const Json& j, const std::string& where) {
  if (!j.is_object()) throw Error(where + ": expected an object, got " + std::string(j.type_name()));
  return json_string(json_field(j, "type", where), where + ".type");
}

void check_decoder(const Json& j, const std::string& where) {
  std::string t = type_of(j, where);
  if (t == "ByteLevel") return;
  if (t == "Sequence") {
    const Json& list = json_field(j, "decoders", where);
    if (!list.is_array()) throw Error(where + ".decoders: expected an array");
    for (size_t i = 0; i < list.size(); ++i) check_decoder(list[i], where + ".decoders[" + std::to_string(i) + "]");
    return;
  }
  throw Error(where + ": decoder type '" + t + "' is not supported (supported: ByteLevel)");
}

// Returns the token string of the BOS the post-processor would add, if it names one.
std::optional<std::string> check_post_processor(const Json& j, const std::string& where) {
  std::string t = type_of(j, where);
  if (t == "ByteLevel" || t == "RobertaProcessing" || t == "BertProcessing") return std::nullopt;
  if (t == "Sequence") {
    const Json& list = json_field(j, "processors", where);
    if (!list.is_array()) throw Error(where + ".processors: expected an array");
    std::optional<std::string> bos;
    for (size_t i = 0; i < list.size(); ++i) {
      auto b = check_post_processor(list[i], where + ".processors[" + std::to_string(i) + "]");
      if (b && !bos) bos = b;
    }
    return bos;
  }
  if (t == "TemplateProcessing") {
    const Json& single = json_field(j, "single", where);
    if (single.is_array() && !single.empty()) {
      if (const Json* sp = json_field_opt(single[0], "SpecialToken"))
        return json_string(json_field(*sp, "id", where + ".single[0].SpecialToken"), where + ".single[0].SpecialToken.id");
    }
    return std::nullopt;
  }
  throw Error(where + ": post-processor type '" + t + "' is not supported");
}

}  // namespace

Tokenizer Tokenizer::load(const std::string& path) { return from_json(read_file(path), path); }

Tokenizer Tokenizer::from_json(std::string_view json_text, const std::string& source) {
  auto impl = std::make_unique<Impl>();
  impl->source = source;
  try {
    Json root = parse_json(std::string(json_text), source);
    if (!root.is_object()) throw Error(source + ": expected a JSON object at the top level");
    const std::string S = source + ": ";

    // ---- model
    const Json& model = json_field(root, "model", source);
    std::string mw = S + "model";
    if (const Json* t = json_field_opt(model, "type")) {
      std::string type = json_string(*t, mw + ".type");
      if (type != "BPE")
        throw Error(mw + ".type: model type '" + type + "' is not supported (supported: BPE)");
    }
    if (const Json* d = json_field_opt(model, "dropout")) {
      if (json_number(*d, mw + ".dropout") != 0.0)
        throw Error(mw + ".dropout: BPE dropout is not supported (encoding would be random)");
    }
    if (opt_bool(model, "byte_fallback", false, mw))
      throw Error(mw + ".byte_fallback: not supported (a byte-level BPE never needs it)");
    for (const char* k : {"continuing_subword_prefix", "end_of_word_suffix"}) {
      auto v = opt_string(model, k, mw);
      if (v && !v->empty()) throw Error(mw + "." + k + ": '" + *v + "' is not supported by engram's byte-level BPE");
    }
    const Json& vocab = json_field(model, "vocab", mw);
    if (!vocab.is_object()) throw Error(mw + ".vocab: expected an object {token: id}");
    const Json* added_json = json_field_opt(root, "added_tokens");
    if (added_json && !added_json->is_array()) throw Error(S + "added_tokens: expected an array");
    const int64_t n_entries = static_cast<int64_t>(vocab.size() + (added_json ? added_json->size() : 0));
    const int64_t id_limit = n_entries + kIdSlack;

    std::unordered_map<std::string, int32_t> vocab_map;
    vocab_map.reserve(vocab.size());
    int64_t max_id = -1;
    std::vector<std::pair<int32_t, std::string>> entries;
    entries.reserve(vocab.size());
    for (auto it = vocab.begin(); it != vocab.end(); ++it) {
      std::string w = mw + ".vocab[\"" + it.key() + "\"]";
      int64_t id = json_int(it.value(), w);
      if (id < 0 || id >= id_limit)
        throw Error(w + ": id " + std::to_string(id) + " is outside [0, " + std::to_string(id_limit) +
                    ") (ids must be dense enough to index tables)");
      vocab_map.emplace(it.key(), static_cast<int32_t>(id));
      entries.emplace_back(static_cast<int32_t>(id), it.key());
      max_id = std::max(max_id, id);
    }

    // ---- added tokens
    if (added_json) {
      for (size_t i = 0; i < added_json->size(); ++i) {
        std::string w = S + "added_tokens[" + std::to_string(i) + "]";
        const Json& a = (*added_json)[i];
        AddedToken t;
        int64_t id = json_int(json_field(a, "id", w), w + ".id");
        if (id < 0 || id >= id_limit)
          throw Error(w + ".id: " + std::to_string(id) + " is outside [0, " + std::to_string(id_limit) + ")");
        t.id = static_cast<int32_t>(id);
        t.content = json_string(json_field(a, "content", w), w + ".content");
        if (t.content.empty()) throw Error(w + ".content: an added token cannot be empty");
        t.special = opt_bool(a, "special", false, w);
        t.lstrip = opt_bool(a, "lstrip", false, w);
        t.rstrip = opt_bool(a, "rstrip", false, w);
        t.single_word = opt_bool(a, "single_word", false, w);
        t.normalized = opt_bool(a, "normalized", !t.special, w);
        max_id = std::max(max_id, id);
        impl->added.push_back(std::move(t));
      }
    }
    if (max_id < 0) throw Error(mw + ".vocab: the vocabulary is empty");

    // ---- per-id tables
    const size_t n = static_cast<size_t>(max_id + 1);
    impl->tokens.assign(n, std::string());
    impl->bytes.assign(n, std::string());
    impl->present.assign(n, 0);
    for (auto& [id, tok] : entries) {
      if (impl->present[id])
        throw Error(mw + ".vocab: id " + std::to_string(id) + " is used by both '" + impl->tokens[id] + "' and '" +
                    tok + "'");
      impl->present[id] = 1;
      impl->tokens[id] = std::move(tok);
    }
    for (size_t i = 0; i < impl->added.size(); ++i) {
      const AddedToken& t = impl->added[i];
      if (impl->present[t.id] && impl->tokens[t.id] != t.content)
        throw Error(S + "added_tokens[" + std::to_string(i) + "]: id " + std::to_string(t.id) + " ('" + t.content +
                    "') is already the token '" + impl->tokens[t.id] + "'");
      impl->present[t.id] = 1;
      impl->tokens[t.id] = t.content;
    }
    for (size_t id = 0; id < n; ++id) {
      if (!impl->present[id]) continue;
      if (!byte_level::token_to_bytes(impl->tokens[id], &impl->bytes[id]))
        throw Error(S + "token id " + std::to_string(id) + " is not valid UTF-8");
    }

    // ---- BPE: byte symbols, merges, options
    std::array<int32_t, 256> byte_ids;
    for (int b = 0; b < 256; ++b) {
      auto it = vocab_map.find(byte_level::bytes_to_token(std::string(1, static_cast<char>(b))));
      byte_ids[b] = it == vocab_map.end() ? -1 : it->second;
    }
    const Json& merges = json_field(model, "merges", mw);
    if (!merges.is_array()) throw Error(mw + ".merges: expected an array");
    MergeTable table;
    table.reserve(merges.size());
    for (size_t r = 0; r < merges.size(); ++r) {
      std::string w = mw + ".merges[" + std::to_string(r) + "]";
      const Json& m = merges[r];
      std::string a, b;
      if (m.is_string()) {
        std::string s = m.get<std::string>();
        size_t sp = s.find(' ');
        if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos)
          throw Error(w + ": '" + s + "' is not two tokens separated by one space");
        a = s.substr(0, sp);
        b = s.substr(sp + 1);
      } else if (m.is_array() && m.size() == 2) {
        a = json_string(m[0], w + "[0]");
        b = json_string(m[1], w + "[1]");
      } else {
        throw Error(w + ": expected \"a b\" or [\"a\", \"b\"], got " + m.dump().substr(0, 80));
      }
      auto ia = vocab_map.find(a), ib = vocab_map.find(b), iab = vocab_map.find(a + b);
      if (ia == vocab_map.end()) throw Error(w + ": token '" + a + "' is not in the vocabulary");
      if (ib == vocab_map.end()) throw Error(w + ": token '" + b + "' is not in the vocabulary");
      if (iab == vocab_map.end()) throw Error(w + ": merged token '" + a + b + "' is not in the vocabulary");
      table.insert(ia->second, ib->second, {static_cast<int32_t>(r), iab->second});
    }
    BpeOptions opt;
    if (auto unk = opt_string(model, "unk_token", mw)) {
      auto it = vocab_map.find(*unk);
      if (it == vocab_map.end()) throw Error(mw + ".unk_token: '" + *unk + "' is not in the vocabulary");
      opt.unk_id = it->second;
    }
    opt.fuse_unk = opt_bool(model, "fuse_unk", false, mw);
    opt.ignore_merges = opt_bool(model, "ignore_merges", false, mw);
    std::unordered_map<std::string, int32_t> whole;
    if (opt.ignore_merges) {
      for (auto& [tok, id] : vocab_map) {
        std::string bytes;
        // Only entries spelled in the byte-level alphabet can equal a word's byte-level form.
        if (byte_level::token_to_bytes(tok, &bytes) && byte_level::bytes_to_token(bytes) == tok) whole.emplace(bytes, id);
      }
    }
    impl->bpe = BpeModel(byte_ids, std::move(table), opt, std::move(whole));

    // ---- pipeline pieces
    if (const Json* norm = json_field_opt(root, "normalizer"))
      impl->normalizer = Normalizer::from_json(*norm, S + "normalizer");
    const Json* pre = json_field_opt(root, "pre_tokenizer");
    if (!pre) throw Error(S + "pre_tokenizer: missing or null; engram needs a ByteLevel pre-tokenizer");
    impl->pre = PreTokenizer::from_json(*pre, S + "pre_tokenizer");
    const Json* dec = json_field_opt(root, "decoder");
    if (!dec) throw Error(S + "decoder: missing or null; engram needs the ByteLevel decoder");
    check_decoder(*dec, S + "decoder");
    std::optional<std::string> bos_token;
    if (const Json* pp = json_field_opt(root, "post_processor")) bos_token = check_post_processor(*pp, S + "post_processor");

    // ---- added-token matchers and BOS
    // Normalized added tokens are matched on normalized text, so their contents are
    // normalized too (HF's AddedVocabulary normalizes them when the normalizer is set), and
    // such a token decodes to its normalized form, as HF's decode (simple_id_to_token) does.
    std::vector<AddedToken> raw, normalized;
    for (size_t i = 0; i < impl->added.size(); ++i) {
      const AddedToken& t = impl->added[i];
      if (!t.normalized) {
        raw.push_back(t);
        continue;
      }
      AddedToken n = t;
      n.content = impl->normalizer.apply(t.content);
      if (n.content.empty())
        throw Error(S + "added_tokens[" + std::to_string(i) + "]: content '" + t.content +
                    "' normalizes to the empty string, which cannot be matched");
      if (n.content != t.content && !byte_level::token_to_bytes(n.content, &impl->bytes[t.id]))
        throw Error(S + "added_tokens[" + std::to_string(i) + "]: normalized content is not valid UTF-8");
      normalized.push_back(std::move(n));
    }
    impl->raw_matcher = AddedTokenMatcher(raw);
    impl->normalized_matcher = AddedTokenMatcher(normalized);
    auto find_token = [&](const std::string& s) -> std::optional<int32_t> {
      for (const AddedToken& t : impl->added)
        if (t.content == s) return t.id;
      auto it = vocab_map.find(s);
      if (it != vocab_map.end()) return it->second;
      return std::nullopt;
    };
    if (bos_token) impl->bos = find_token(*bos_token);
    if (!impl->bos) {
      // No template names one: use the conventional BOS spellings (DeepSeek, Llama, GPT-2).
      for (const char* name : {"<｜begin▁of▁sentence｜>", "<|begin_of_text|>", "<s>", "<bos>", "<|endoftext|>"}) {
        for (const AddedToken& t : impl->added)
          if (t.special && t.content == name) impl->bos = t.id;
        if (impl->bos) break;
      }
    }
  } catch (const Json::exception& e) {
    throw Error(ErrorCode::kCorruption, source + ": malformed tokenizer.json: " + e.what());
  }
  return Tokenizer(std::move(impl));
}

}  // namespace engram
