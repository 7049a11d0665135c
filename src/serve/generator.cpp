#include "engram/generate.h"

#include "core/error.h"
#include "core/paths.h"
#include "core/progress.h"
#include "engram/addressing.h"
#include "engram/tokenizer.h"
#include "model/checkpoint_reader.h"
#include "serve/sampler.h"
#include "serve/table_tier.h"

namespace engram::serve {

struct Generator::Impl {
  std::unique_ptr<Tokenizer> tok;
  std::unique_ptr<model::Transformer> model;
  std::unique_ptr<Addressing> addr;
  model::VocabMap vocab;
  std::string checkpoint;
  std::unique_ptr<TableTier> tier;

  // Issues the gathers for rows `er` of n positions and makes the forward await them.
  void route(model::EngramRows& er, int64_t n) {
    if (!tier || !tier->active()) return;
    tier->submit(er, n);
    er.fetch = [this](size_t i) { return tier->fetch(i); };
  }

  std::vector<int32_t> to_model_ids(const std::vector<int32_t>& toks, const std::string& what) const {
    std::vector<int32_t> out;
    for (size_t i = 0; i < toks.size(); ++i) {
      const int32_t t = toks[i];
      if (t < 0 || t >= static_cast<int32_t>(vocab.tok_to_model.size()) || vocab.tok_to_model[t] < 0)
        throw Error(what + ": token " + std::to_string(i) + " '" + tok->token_bytes(t) + "' (tokenizer id " +
                    std::to_string(t) + ") is not in the model's vocabulary: the model knows only the " +
                    std::to_string(vocab.size()) + " token ids of its training corpus\n---> HINT: rephrase the " +
                    "prompt with words of that corpus, or train on a corpus that contains it");
      out.push_back(vocab.tok_to_model[t]);
    }
    return out;
  }

  // Row ids of the prompt (all Engram layers) and a stream primed with it for decoding.
  model::EngramRows prompt_rows(const std::vector<int32_t>& toks, Addressing::Stream* inc) const {
    model::EngramRows er;
    if (!addr) return er;
    const int64_t T = static_cast<int64_t>(toks.size()), C = addr->columns(), L = addr->n_layers();
    er.rows.assign(L, std::vector<int64_t>(T * C));
    std::vector<int64_t> out(L * C);
    inc->reset();
    for (int64_t t = 0; t < T; ++t) {
      inc->append(toks[t], out);
      for (int64_t l = 0; l < L; ++l) std::copy(out.begin() + l * C, out.begin() + (l + 1) * C, er.rows[l].begin() + t * C);
    }
    return er;
  }
};

Generator::Generator(const std::string& checkpoint, const std::string& tokenizer_path, const TierOptions& tier)
    : impl_(std::make_unique<Impl>()) {
  Impl& I = *impl_;
  I.checkpoint = checkpoint;
  model::ModelConfig cfg = model::checkpoint_config(checkpoint);
  I.model = std::make_unique<model::Transformer>(cfg, 0);
  model::load_model(checkpoint, *I.model, &I.vocab);
  I.tok = std::make_unique<Tokenizer>(Tokenizer::load(resolve_tokenizer_path(tokenizer_path)));
  if (cfg.engram) {
    I.addr = std::make_unique<Addressing>(*I.tok, cfg.engram->hash);
  }
  I.tier = std::make_unique<TableTier>(*I.model, checkpoint, tier);
}

Generator::~Generator() = default;

int64_t Generator::vocab_size() const { return impl_->model->config().vocab_size; }
std::vector<int> Generator::engram_layer_ids() const {
  const auto& e = impl_->model->config().engram;
  return e ? e->hash.layer_ids : std::vector<int>{};
}

namespace {
// Length of the longest prefix of s made of whole UTF-8 sequences.
size_t utf8_complete(const std::string& s) {
  size_t i = 0, ok = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    if (i + n > s.size()) break;
    i += n;
    ok = i;
  }
  return ok;
}
}  // namespace

GenerateStats Generator::generate(const std::vector<std::string>& prompts, int64_t max_tokens,
                                  const SampleOptions& opt, const std::function<void(size_t, const std::string&)>& on_text) {
  Impl& I = *impl_;
  const int64_t B = static_cast<int64_t>(prompts.size());
  if (B == 0) throw Error("generate: no prompt");
  if (max_tokens < 0) throw Error("--max-tokens must be >= 0");
  GenerateStats st;
  st.sequences = B;
  std::vector<std::vector<int32_t>> toks(B);
  int64_t longest = 0;
  for (int64_t b = 0; b < B; ++b) {
    toks[b] = I.tok->encode(prompts[b]);
    if (toks[b].empty()) throw Error("prompt " + std::to_string(b) + " is empty");
    longest = std::max<int64_t>(longest, static_cast<int64_t>(toks[b].size()));
    st.prompt_tokens += static_cast<int64_t>(toks[b].size());
  }
  model::KVCache cache = I.model->new_cache(B, longest + max_tokens);
  std::vector<Addressing::Stream> inc;
  for (int64_t b = 0; b < B && I.addr; ++b) inc.emplace_back(*I.addr);
  Sampler sampler(opt);
  const int64_t V = I.model->config().vocab_size;
  std::vector<int32_t> next(B);
  std::vector<std::string> pending(B);
  const int64_t C = I.addr ? I.addr->columns() : 0, L = I.addr ? I.addr->n_layers() : 0;
  model::EngramRows step_rows;
  step_rows.rows.assign(L, std::vector<int64_t>(B * C));
  std::vector<int64_t> out(L * C);

  double t0 = now_seconds();
  for (int64_t b = 0; b < B; ++b) {
    auto ids = I.to_model_ids(toks[b], "prompt " + std::to_string(b));
    auto rows = I.prompt_rows(toks[b], I.addr ? &inc[b] : nullptr);
    I.route(rows, static_cast<int64_t>(toks[b].size()));
    auto logits = I.model->prefill(cache, b, ids, rows);
    next[b] = sampler.sample(logits.data(), V);
  }
  st.prefill_seconds = now_seconds() - t0;
  t0 = now_seconds();
  for (int64_t step = 0; step < max_tokens; ++step) {
    // The sampled tokens are known: emit their text, hash them for the next forward.
    for (int64_t b = 0; b < B; ++b) {
      const int32_t tid = I.vocab.model_to_tok[next[b]];
      pending[b] += I.tok->token_bytes(tid);
      const size_t n = utf8_complete(pending[b]);
      if (n) {
        on_text(b, pending[b].substr(0, n));
        pending[b].erase(0, n);
      }
      if (I.addr) {
        inc[b].append(tid, out);
        for (int64_t l = 0; l < L; ++l) std::copy(out.begin() + l * C, out.begin() + (l + 1) * C, step_rows.rows[l].begin() + b * C);
      }
    }
    st.generated_tokens += B;
    if (step + 1 == max_tokens) break;  // the last token needs no forward
    // The rows of the tokens just sampled are fetched while the layers below the first
    // Engram layer run; the forward waits for them only at that layer.
    step_rows.fetch = nullptr;
    I.route(step_rows, B);
    auto logits = I.model->decode(cache, next, step_rows);
    for (int64_t b = 0; b < B; ++b) next[b] = sampler.sample(logits.data() + b * V, V);
  }
  for (int64_t b = 0; b < B; ++b)
    if (!pending[b].empty()) on_text(b, pending[b]);
  st.decode_seconds = now_seconds() - t0;
  st.table_wait_seconds = I.tier->wait_seconds();
  st.table_hit_rate = I.tier->hit_rate();
  st.tables = I.tier->describe();
  return st;
}

GateTrace Generator::gates(const std::string& text) {
  Impl& I = *impl_;
  if (!I.addr) throw Error(I.checkpoint + ": this model has no Engram layer, so it has no gates");
  std::vector<int32_t> toks = I.tok->encode(text);
  if (toks.empty()) throw Error("gates: the text is empty");
  const int64_t T = static_cast<int64_t>(toks.size());
  if (T > I.model->config().max_seq_len)
    throw Error("gates: the text has " + std::to_string(T) + " tokens, more than max_seq_len " +
                std::to_string(I.model->config().max_seq_len));
  auto ids = I.to_model_ids(toks, "text");
  Addressing::Stream inc(*I.addr);
  auto rows = I.prompt_rows(toks, &inc);
  I.model->logits(ids, rows, 1, T);
  GateTrace g;
  for (int32_t t : toks) g.tokens.push_back(I.tok->token_bytes(t));
  g.layer_ids = I.model->config().engram->hash.layer_ids;
  g.gates = I.model->last_engram_gates();
  return g;
}

}  // namespace engram::serve
