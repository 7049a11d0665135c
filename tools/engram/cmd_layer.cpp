// `engram layer forward`: runs one Engram layer (ENGRAM.md section 5) on a safetensors input
// with weights under the demo module's state_dict names, writing its output and gates.
//   --config CFG.json      the demo's Engram fields + layer_id, hidden_size, hc_mult
//   --weights W.safetensors  (see layer/layer_io.h for the names)
//   --inputs IN.safetensors  input_ids I64 [B, T] (RAW token ids; compressed with the
//                            tokenizer, then hashed for layer_id) and hidden_states F32
//                            [B, T, hc_mult, hidden]; optionally hash_ids I64
//                            [B, T, (N-1)*heads], which then replaces the tokenizer+hash step
//   --out OUT.safetensors    output F32 [B, T, hc_mult, hidden] (the layer's Y) and gates F32
//                            [B, T, hc_mult]
// --json prints {"batch", "seq", "hc_mult", "hidden", "impl", "threads", "forward_ms", "out"}.
// Below the public API: runs the reference or the fast layer by flag and reads the demo's
// weight files (layer/layer_io.h); engram::Layer offers the fast forward only.
#include <cstdio>
#include <memory>
#include <optional>

#include "commands.h"
#include "core/error.h"
#include "core/file.h"
#include "core/json_util.h"
#include "core/paths.h"
#include "core/progress.h"
#include "hashing/ngram_hash.h"
#include "io/safetensors.h"
#include "layer/layer_fast.h"
#include "layer/layer_io.h"
#include "layer/layer_ref.h"
#include "engram/compression.h"
#include "engram/tokenizer.h"

namespace engram::cli {
namespace {

struct LayerForwardOptions {
  std::string config, weights, inputs, out, tokenizer, impl = "fast";
  int threads = 0;
  bool json = false;
};

void run_layer_forward(const LayerForwardOptions& o) {
  if (o.impl != "fast" && o.impl != "reference") throw Error("layer forward: --impl must be fast or reference");
  LayerFileConfig cfg = LayerFileConfig::from_json(load_json_file(o.config), o.config);
  SafeTensors in = SafeTensors::load(o.inputs);

  const TensorInfo& ids_t = in.get("input_ids");
  if (ids_t.dtype != DType::kI64 || ids_t.shape.size() != 2) {
    throw Error(o.inputs + ": tensor 'input_ids' must be I64 [B, T], got " + dtype_name(ids_t.dtype) + " " +
                shape_str(ids_t.shape));
  }
  const int64_t B = ids_t.shape[0], T = ids_t.shape[1];
  std::vector<int64_t> raw = in.read_i64("input_ids", ids_t.shape);
  const std::vector<int64_t> hshape = {B, T, cfg.hc_mult, cfg.hidden_size};
  std::vector<float> hidden = in.read_f32("hidden_states", hshape);

  // Row ids: from the inputs when given, else tokenizer compression + n-gram hashing.
  std::vector<int64_t> hash_ids;
  std::vector<int64_t> table_sizes;
  const int64_t cols = cfg.hash.columns();
  if (in.find("hash_ids") != nullptr) {
    hash_ids = in.read_i64("hash_ids", std::vector<int64_t>{B, T, cols});
    // Table sizes (the primes) do not depend on the compressed vocabulary size.
    NgramHasher hasher(cfg.hash, 1, 0);
    auto ts = hasher.table_sizes(hasher.layer_index(static_cast<int>(cfg.layer_id)));
    table_sizes.assign(ts.begin(), ts.end());
  } else {
    Tokenizer tok = Tokenizer::load(resolve_tokenizer_path(o.tokenizer));
    Compression comp = Compression::build(tok);
    if (cfg.hash.pad_id < 0 || cfg.hash.pad_id >= comp.vocab_size()) {
      throw Error(o.config + ": pad_id " + std::to_string(cfg.hash.pad_id) + " is outside the tokenizer vocabulary");
    }
    std::vector<int64_t> compressed(raw.size());
    try {
      comp.map(raw, compressed);  // throws naming the first id outside the vocabulary
    } catch (const Error& e) {
      throw Error(e.code(), o.inputs + ": tensor 'input_ids' [B=" + std::to_string(B) + ", T=" + std::to_string(T) +
                  "]: " + e.what());
    }
    NgramHasher hasher(cfg.hash, comp.compressed_size(), comp.map(cfg.hash.pad_id));
    const int li = hasher.layer_index(static_cast<int>(cfg.layer_id));
    hash_ids.resize(static_cast<size_t>(B * T * cols));
    hasher.hash(compressed, B, T, li, hash_ids);
    auto ts = hasher.table_sizes(li);
    table_sizes.assign(ts.begin(), ts.end());
  }
  LayerDims dims = cfg.dims(table_sizes);
  std::vector<int64_t> rows = hash_ids_to_rows(dims, hash_ids.data(), B, T, o.inputs + ": hash_ids");
  LayerWeights w = load_layer_weights(o.weights, dims);

  std::vector<float> y, gates;
  const double t0 = now_seconds();
  int threads = 1;
  if (o.impl == "fast") {
    FastLayer fl(dims, w.params, o.threads);
    threads = fl.threads();
    FastActs a;
    fl.forward(a, w.table, hidden.data(), rows.data(), B, T);
    y = std::move(a.y);
    gates = std::move(a.gate);
  } else {
    ref::LayerActs<float> a;
    ref::layer_forward(a, w.params, w.table, hidden.data(), rows.data(), B, T, dims);
    y = std::move(a.y);
    gates = std::move(a.gate);
  }
  const double ms = (now_seconds() - t0) * 1e3;

  SafeTensorsWriter out;
  out.add_f32("output", hshape, y);
  out.add_f32("gates", {B, T, cfg.hc_mult}, gates);
  out.set_metadata("layer_id", std::to_string(cfg.layer_id));
  out.write(o.out);
  if (o.json) {
    Json j = {{"batch", B},     {"seq", T},         {"hc_mult", cfg.hc_mult}, {"hidden", cfg.hidden_size},
              {"impl", o.impl}, {"threads", threads}, {"forward_ms", ms},       {"out", o.out}};
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("layer %lld forward (%s, %d threads): B=%lld T=%lld in %.3f ms -> %s\n",
                static_cast<long long>(cfg.layer_id), o.impl.c_str(), threads, static_cast<long long>(B),
                static_cast<long long>(T), ms, o.out.c_str());
  }
}

}  // namespace

void add_layer_command(CLI::App& app) {
  CLI::App* layer = app.add_subcommand("layer", "The Engram layer: gather, gate, value, short conv");
  layer->require_subcommand(1);
  auto o = std::make_shared<LayerForwardOptions>();
  CLI::App* fwd = layer->add_subcommand(
      "forward",
      "Run one Engram layer: IN (input_ids I64 [B,T] raw token ids, hidden_states F32 [B,T,hc_mult,hidden], "
      "optional hash_ids) -> OUT (output, gates)");
  fwd->add_option("--config", o->config, "CFG.json: the demo's Engram fields plus layer_id, hidden_size, hc_mult")
      ->required();
  fwd->add_option("--weights", o->weights, "W.safetensors under the demo module's state_dict names")->required();
  fwd->add_option("--inputs", o->inputs, "IN.safetensors with input_ids and hidden_states")->required();
  fwd->add_option("--out", o->out, "OUT.safetensors to write (atomically)")->required();
  fwd->add_option("--tokenizer", o->tokenizer, "tokenizer.json (default: the cache path from scripts/setup.sh)");
  fwd->add_option("--impl", o->impl, "fast (OpenBLAS + fused passes) or reference (plain loops)")
      ->capture_default_str();
  fwd->add_option("--threads", o->threads, "OpenMP threads for the fast path (0 = all)")->capture_default_str();
  fwd->add_flag("--json", o->json, "print a machine-readable summary");
  fwd->callback([o] { run_layer_forward(*o); });
}

}  // namespace engram::cli
