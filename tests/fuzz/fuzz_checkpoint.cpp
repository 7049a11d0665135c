// libFuzzer target: arbitrary bytes as a training checkpoint (train/checkpoint.h, a
// safetensors file with metadata). checkpoint_config must either throw engram::Error or
// return a validated config; when that config is small (a few thousand parameters), a
// model is built from it and load_checkpoint reads the file into it, with and without the
// optimiser moments, and must again either throw engram::Error or fill every parameter.
// Seeds: tests/fuzz/corpus/fuzz_checkpoint/ (checkpoints of tiny dense, MoE and Engram
// models, written by tests/fuzz_replay/make_seeds.cpp).
//
// The loader bounds vocabulary ids (corpus vocab_id_int32_max.safetensors once made it
// allocate 8 GiB), so the map is always read.
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
    train::CheckpointInfo info = train::load_checkpoint(in.path(), m, nullptr, &vocab);
    if (static_cast<int64_t>(vocab.model_to_tok.size()) != cfg.vocab_size) __builtin_trap();
    for (const auto& p : m.params())
      if (!p.backend && static_cast<int64_t>(p.data.size()) != p.numel()) __builtin_trap();
    (void)info;
    train::Optimizer opt(train::OptimConfig{}, m.params());
    (void)train::load_checkpoint(in.path(), m, &opt, nullptr);
  } catch (const Error&) {
  }
  return 0;
}
