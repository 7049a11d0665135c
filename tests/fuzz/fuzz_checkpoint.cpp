// libFuzzer target: arbitrary bytes as a training checkpoint (train/checkpoint.h, a
// safetensors file with metadata). checkpoint_config must either throw engram::Error or
// return a validated config; when that config is small (a few thousand parameters), a
// model is built from it and load_checkpoint reads the file into it, with and without the
// optimiser moments, and must again either throw engram::Error or fill every parameter.
// Seeds: tests/fuzz/corpus/fuzz_checkpoint/ (checkpoints of tiny dense, MoE and Engram
// models, written by tests/fuzz_replay/make_seeds.cpp).
//
// KNOWN FINDING, not fixed here (src/train is another change's): load_checkpoint builds the
// vocabulary map with VocabMap::from_list, whose reverse table has max id + 1 entries, and
// accepts any id up to INT32_MAX; so a checkpoint whose vocab/model_to_tok holds 2147483647
// makes it allocate and fill 8 GiB (libFuzzer: out-of-memory (malloc(8589934592))). Until
// the loader bounds the ids (by the tokenizer's size), the map is only read here when every
// id is below 2^24 (vocab_ids_small below); drop that guard with the fix.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "fuzz_util.h"
#include "io/safetensors.h"
#include "model/param_count.h"
#include "model/transformer.h"
#include "train/batcher.h"
#include "train/checkpoint.h"
#include "train/optimizer.h"

namespace {

// A model is only built for configs this small, so no input makes the target allocate much.
constexpr int64_t kMaxParams = 1 << 16;

bool small_enough(const engram::model::ModelConfig& c) {
  // Bound each factor before multiplying, so the count itself cannot overflow.
  if (c.vocab_size < 2 || c.vocab_size > 4096 || c.d_model > 256 || c.n_layers > 8 || c.max_seq_len > 4096)
    return false;
  if (c.ffn.hidden > 1024 || c.ffn.n_experts > 64 || c.ffn.shared_hidden > 1024 || c.ffn.dense_hidden > 1024)
    return false;
  if (c.engram) {
    const auto& h = c.engram->hash;
    if (h.n_embed_per_ngram > 1024 || h.n_head_per_ngram > 16 || h.max_ngram_size > 8 || c.engram->kernel_size > 16)
      return false;
    for (int64_t v : h.engram_vocab_size)
      if (v > 4096) return false;
  }
  return engram::model::count_params(c).total <= kMaxParams;
}

// Whether every id of the checkpoint's vocab/model_to_tok (if it is a readable I64 tensor)
// is below 2^24, so the map the loader builds stays small.
bool vocab_ids_small(const std::string& path) {
  try {
    engram::SafeTensors st = engram::SafeTensors::load(path);
    const engram::TensorInfo* t = st.find("vocab/model_to_tok");
    if (!t || t->dtype != engram::DType::kI64) return true;  // the loader refuses it itself
    for (int64_t v : st.read_i64(t->name, t->shape))
      if (v >= (int64_t{1} << 24)) return false;
  } catch (const engram::Error&) {
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace engram;
  fuzz::TempInput in(data, size, "ckpt.safetensors");
  model::ModelConfig cfg;
  try {
    cfg = train::checkpoint_config(in.path());
  } catch (const Error&) {
    return 0;
  }
  try {
    if (!small_enough(cfg)) return 0;
    model::Transformer m(cfg, 1);
    train::VocabMap vocab;
    const bool with_vocab = vocab_ids_small(in.path());
    train::CheckpointInfo info = train::load_checkpoint(in.path(), m, nullptr, with_vocab ? &vocab : nullptr);
    if (with_vocab && static_cast<int64_t>(vocab.model_to_tok.size()) != cfg.vocab_size) __builtin_trap();
    for (const auto& p : m.params())
      if (!p.backend && static_cast<int64_t>(p.data.size()) != p.numel()) __builtin_trap();
    (void)info;
    train::Optimizer opt(train::OptimConfig{}, m.params());
    (void)train::load_checkpoint(in.path(), m, &opt, nullptr);
  } catch (const Error&) {
  }
  return 0;
}
