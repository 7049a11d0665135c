// `engram model-check`: one forward/backward of a model on random ids, written with its
// weights, inputs, logits, loss and every gradient to a safetensors file, so an independent
// PyTorch build of the same model (tools/peers/torch_lm_check.py) can compare them.
// Below the public API: a parity check needs the model's parameters and gradients by name
// (model/transformer.h), which the public train/generate entry points do not expose.
#include <cstdio>
#include <random>

#include "commands.h"
#include "io/safetensors.h"
#include "model/transformer.h"

namespace engram::cli {

void add_model_check_command(CLI::App& app) {
  struct Flags {
    std::string config, out;
    int64_t vocab = 0, batch = 2, seq = 16;
    uint64_t seed = 1;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* c = app.add_subcommand("model-check", "Dump one forward/backward (weights, logits, loss, gradients) "
                                                  "for comparison with PyTorch");
  c->add_option("--config", f->config, "model config JSON")->required();
  c->add_option("--out", f->out, "output safetensors")->required();
  c->add_option("--vocab-size", f->vocab, "vocabulary size when the config leaves it to a corpus");
  c->add_option("--batch", f->batch, "batch size")->capture_default_str();
  c->add_option("--seq", f->seq, "sequence length")->capture_default_str();
  c->add_option("--seed", f->seed, "seed for weights and ids")->capture_default_str();
  c->callback([f] {
    model::ModelConfig cfg = model::ModelConfig::load(f->config);
    if (f->vocab > 0) cfg.vocab_size = f->vocab;
    model::Transformer m(cfg, f->seed);
    const int64_t B = f->batch, T = f->seq, N = B * T;
    std::mt19937_64 g(f->seed * 7 + 1);
    std::vector<int32_t> ids(N), tgt(N);
    for (auto& v : ids) v = static_cast<int32_t>(g() % cfg.vocab_size);
    for (auto& v : tgt) v = static_cast<int32_t>(g() % cfg.vocab_size);
    model::EngramRows er;
    for (size_t i = 0; cfg.engram && i < cfg.engram->hash.layer_ids.size(); ++i) {
      const auto& sizes = m.engram_table_sizes(i);
      std::vector<int64_t> r(N * sizes.size());
      for (int64_t p = 0; p < N; ++p)
        for (size_t col = 0; col < sizes.size(); ++col) r[p * sizes.size() + col] = static_cast<int64_t>(g() % sizes[col]);
      er.rows.push_back(std::move(r));
    }
    // Training starts the short conv at zero (paper recipe), which would leave the conv
    // path's input gradients untested: give it random weights here.
    for (auto& p : m.params())
      if (p.name.find("short_conv.conv.weight") != std::string::npos)
        for (auto& v : p.data) v = std::normal_distribution<float>(0.0f, 0.3f)(g);
    SafeTensorsWriter w;
    w.set_metadata("config", cfg.to_json().dump());
    // Weights before the step (the step does not change them; logits come from a forward).
    for (auto& p : m.params()) w.add_f32("param/" + p.name, p.shape, p.data);
    auto logits = m.logits(ids, er, B, T);
    m.zero_grad();
    const double loss = m.step(ids, tgt, er, B, T, true);
    std::vector<int64_t> ids64(ids.begin(), ids.end()), tgt64(tgt.begin(), tgt.end());
    w.add_i64("input/ids", {B, T}, ids64);
    w.add_i64("input/targets", {B, T}, tgt64);
    for (size_t i = 0; i < er.rows.size(); ++i)
      w.add_i64("input/engram_rows/" + std::to_string(i),
                {B, T, static_cast<int64_t>(er.rows[i].size() / N)}, er.rows[i]);
    for (size_t i = 0; i < er.rows.size(); ++i) {
      const auto& sizes = m.engram_table_sizes(i);
      w.add_i64("input/engram_table_sizes/" + std::to_string(i), {static_cast<int64_t>(sizes.size())}, sizes);
    }
    w.add_f32("output/logits", {B, T, cfg.vocab_size}, logits);
    std::vector<float> lv{static_cast<float>(loss)};
    w.add_f32("output/loss", {1}, lv);
    for (auto& p : m.params()) {
      if (p.kind == model::ParamKind::kTable) {
        std::vector<float> dense(p.numel(), 0.0f);
        const int64_t W = p.row_width();
        for (size_t r = 0; r < p.sparse.rows.size(); ++r)
          std::copy(p.sparse.grad.begin() + r * W, p.sparse.grad.begin() + (r + 1) * W,
                    dense.begin() + p.sparse.rows[r] * W);
        w.add_f32("grad/" + p.name, p.shape, dense);
      } else {
        w.add_f32("grad/" + p.name, p.shape, p.grad);
      }
    }
    w.write(f->out);
    std::printf("wrote %s (loss %.6f)\n", f->out.c_str(), loss);
  });
}

}  // namespace engram::cli
