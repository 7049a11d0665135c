#include "model/config.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace engram::model {

namespace {

int64_t get_int(const Json& j, const char* key, int64_t def, const std::string& where) {
  const Json* v = json_field_opt(j, key);
  return v ? json_int(*v, where + ": " + key) : def;
}
float get_float(const Json& j, const char* key, float def, const std::string& where) {
  const Json* v = json_field_opt(j, key);
  return v ? static_cast<float>(json_number(*v, where + ": " + key)) : def;
}

}  // namespace

bool ModelConfig::is_engram_layer(int64_t l) const {
  if (!engram) return false;
  const auto& ids = engram->hash.layer_ids;
  return std::find(ids.begin(), ids.end(), static_cast<int>(l)) != ids.end();
}

ModelConfig ModelConfig::from_json(const Json& j, const std::string& where) {
  if (!j.is_object()) throw Error(where + ": the model config must be a JSON object");
  ModelConfig c;
  c.vocab_size = get_int(j, "vocab_size", 0, where);  // 0: the ids seen in the training corpus
  c.d_model = get_int(j, "d_model", c.d_model, where);
  c.n_layers = get_int(j, "n_layers", c.n_layers, where);
  c.n_heads = get_int(j, "n_heads", c.n_heads, where);
  c.max_seq_len = get_int(j, "max_seq_len", c.max_seq_len, where);
  c.rope_theta = get_float(j, "rope_theta", c.rope_theta, where);
  c.norm_eps = get_float(j, "norm_eps", c.norm_eps, where);
  c.init_std = get_float(j, "init_std", c.init_std, where);
  if (const Json* v = json_field_opt(j, "tie_embeddings")) c.tie_embeddings = json_bool(*v, where + ": tie_embeddings");
  if (const Json* v = json_field_opt(j, "scaled_residual_init"))
    c.scaled_residual_init = json_bool(*v, where + ": scaled_residual_init");
  if (const Json* f = json_field_opt(j, "ffn")) {
    const std::string w = where + ": ffn";
    if (const Json* t = json_field_opt(*f, "type")) c.ffn.type = json_string(*t, w + ".type");
    c.ffn.hidden = get_int(*f, "hidden", c.ffn.hidden, w);
    c.ffn.n_experts = get_int(*f, "n_experts", c.ffn.n_experts, w);
    c.ffn.top_k = get_int(*f, "top_k", c.ffn.top_k, w);
    c.ffn.shared_hidden = get_int(*f, "shared_hidden", c.ffn.shared_hidden, w);
    c.ffn.dense_hidden = get_int(*f, "dense_hidden", c.ffn.dense_hidden, w);
    if (const Json* r = json_field_opt(*f, "router")) c.ffn.router = json_string(*r, w + ".router");
    c.ffn.aux_loss_coef = get_float(*f, "aux_loss_coef", c.ffn.aux_loss_coef, w);
    c.ffn.bias_update_rate = get_float(*f, "bias_update_rate", c.ffn.bias_update_rate, w);
  }
  if (const Json* e = json_field_opt(j, "engram")) {
    const std::string w = where + ": engram";
    EngramConfig ec;
    ec.hash = hash_config_from_json(*e, w);
    ec.kernel_size = get_int(*e, "kernel_size", ec.kernel_size, w);
    ec.hc_mult = get_int(*e, "hc_mult", ec.hc_mult, w);
    c.engram = ec;
  }
  c.validate(where);
  return c;
}

ModelConfig ModelConfig::load(const std::string& path) { return from_json(load_json_file(path), path); }

void ModelConfig::validate(const std::string& where) const {
  auto need = [&](bool ok, const std::string& msg) {
    if (!ok) throw Error(where + ": " + msg);
  };
  need(vocab_size == 0 || vocab_size >= 2,
       "vocab_size must be at least 2 (or 0: the ids of the training corpus), got " + std::to_string(vocab_size));
  need(d_model >= 2 && d_model % 2 == 0, "d_model must be a positive even number, got " + std::to_string(d_model));
  need(n_layers >= 1, "n_layers must be at least 1");
  need(n_heads >= 1 && d_model % n_heads == 0,
       "d_model (" + std::to_string(d_model) + ") must be divisible by n_heads (" + std::to_string(n_heads) + ")");
  need(head_dim() % 2 == 0, "head dim d_model/n_heads must be even for RoPE, got " + std::to_string(head_dim()));
  need(max_seq_len >= 1, "max_seq_len must be at least 1");
  // Bounds far above any model this engine trains or serves, so that no parameter count or
  // buffer size below overflows int64.
  auto bounded = [&](int64_t v, int bits, const char* field) {
    need(v <= (int64_t{1} << bits), std::string(field) + " = " + std::to_string(v) + " exceeds the supported maximum 2^" +
                                        std::to_string(bits));
  };
  bounded(vocab_size, 24, "vocab_size");
  bounded(d_model, 16, "d_model");
  bounded(n_layers, 10, "n_layers");
  bounded(max_seq_len, 20, "max_seq_len");
  bounded(ffn.hidden, 20, "ffn.hidden");
  bounded(ffn.n_experts, 12, "ffn.n_experts");
  bounded(ffn.shared_hidden, 20, "ffn.shared_hidden");
  bounded(ffn.dense_hidden, 20, "ffn.dense_hidden");
  need(norm_eps > 0, "norm_eps must be positive");
  need(ffn.type == "moe" || ffn.type == "dense", "ffn.type must be \"moe\" or \"dense\", got \"" + ffn.type + "\"");
  if (ffn.type == "moe") {
    need(ffn.n_experts >= 1, "ffn.n_experts must be at least 1");
    need(ffn.top_k >= 1 && ffn.top_k <= ffn.n_experts, "ffn.top_k (" + std::to_string(ffn.top_k) +
                                                            ") must be in [1, n_experts = " +
                                                            std::to_string(ffn.n_experts) + "]");
    need(ffn.hidden >= 1, "ffn.hidden must be at least 1");
    need(ffn.shared_hidden >= 0, "ffn.shared_hidden must be >= 0");
    need(ffn.router == "softmax_aux" || ffn.router == "sigmoid_bias",
         "ffn.router must be \"softmax_aux\" or \"sigmoid_bias\", got \"" + ffn.router + "\"");
    need(ffn.aux_loss_coef >= 0 && std::isfinite(ffn.aux_loss_coef), "ffn.aux_loss_coef must be finite and >= 0");
    need(ffn.bias_update_rate >= 0 && std::isfinite(ffn.bias_update_rate),
         "ffn.bias_update_rate must be finite and >= 0");
  } else {
    need(ffn.dense_hidden >= 1, "ffn.dense_hidden must be at least 1");
  }
  if (engram) {
    for (size_t i = 0; i < engram->hash.layer_ids.size(); ++i) {
      const int l = engram->hash.layer_ids[i];
      need(l >= 0 && l < n_layers, "engram.layer_ids[" + std::to_string(i) + "] = " + std::to_string(l) +
                                       " is outside the model's layers [0, " + std::to_string(n_layers) + ")");
    }
    need(engram->kernel_size >= 1, "engram.kernel_size must be at least 1");
    bounded(engram->kernel_size, 10, "engram.kernel_size");
    bounded(engram->hash.n_embed_per_ngram, 16, "engram.n_embed_per_ngram");
    // Table parameters (rows ~ vocab size per head, head dim values each), in double.
    const auto& h = engram->hash;
    double rows = 0;
    for (int64_t v : h.engram_vocab_size) rows += static_cast<double>(v) * h.n_head_per_ngram;
    const double table_params = rows * (static_cast<double>(h.n_embed_per_ngram) / h.n_head_per_ngram) *
                                static_cast<double>(h.layer_ids.size());
    need(table_params < 0x1p60, "engram tables would hold " + std::to_string(table_params) +
                                    " parameters, beyond the supported 2^60");
    need(engram->hc_mult == 1, "engram.hc_mult must be 1 in the language model (a plain residual stream)");
  }
}

Json ModelConfig::to_json() const {
  Json j;
  j["vocab_size"] = vocab_size;
  j["d_model"] = d_model;
  j["n_layers"] = n_layers;
  j["n_heads"] = n_heads;
  j["max_seq_len"] = max_seq_len;
  j["rope_theta"] = rope_theta;
  j["norm_eps"] = norm_eps;
  j["tie_embeddings"] = tie_embeddings;
  j["init_std"] = init_std;
  j["scaled_residual_init"] = scaled_residual_init;
  j["ffn"] = {{"type", ffn.type},           {"hidden", ffn.hidden},
              {"n_experts", ffn.n_experts}, {"top_k", ffn.top_k},
              {"shared_hidden", ffn.shared_hidden}, {"dense_hidden", ffn.dense_hidden},
              {"router", ffn.router},       {"aux_loss_coef", ffn.aux_loss_coef},
              {"bias_update_rate", ffn.bias_update_rate}};
  if (engram) {
    Json e = hash_config_to_json(engram->hash);
    e["kernel_size"] = engram->kernel_size;
    e["hc_mult"] = engram->hc_mult;
    j["engram"] = std::move(e);
  }
  return j;
}

}  // namespace engram::model
