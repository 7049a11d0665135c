// Mixture-of-experts FFN with two routers.
//
// Sigmoid + bias (DeepSeek-V3, auxiliary-loss-free): s = sigmoid(x Wr^T) [N, E]; each token
// picks the top_k experts by s + bias (bias is not a learned weight: it only steers
// selection). Balancing: after each optimiser step, bias_e += rate * sign(mean_load - load_e)
// (update_bias), which lowers the bias of overloaded experts (Wang et al., 2024).
// Softmax + auxiliary loss (Switch / Mixtral): s = softmax(x Wr^T) over experts, top_k by s;
// the layer adds aux_coef * E * sum_e f_e P_e to the objective, f_e = share of the N*k
// routed slots that went to e (a constant), P_e = mean_n s[n, e]; 1 when balanced.
// Both: the chosen experts' weights are g = s / sum(s over the chosen), so gradients reach
// the router through s; y = sum_chosen g_e * SwiGLU_e(x) + SwiGLU_shared(x) (shared optional).
// Ties in selection go to the lower expert index, so routing is deterministic.
// Not thread-safe: a layer object holds the activations of its last forward.
#pragma once

#include <cstdint>
#include <vector>

namespace engram::model {

struct MoeShape {
  int64_t d = 0;          // model width
  int64_t hidden = 0;     // per-expert SwiGLU hidden width
  int64_t n_experts = 0;  // routed experts
  int64_t top_k = 0;
  int64_t shared_hidden = 0;  // 0 = no shared expert
  bool softmax = false;       // router: false sigmoid + bias, true softmax + auxiliary loss
  float aux_coef = 0.0f;      // softmax router's load-balancing loss weight
};

// Weight pointers (PyTorch layouts [out, in]); grads use the same struct.
struct MoeParams {
  float* router = nullptr;     // [E, d]
  float* w1 = nullptr;         // [E, hidden, d]  gate proj
  float* w3 = nullptr;         // [E, hidden, d]  up proj
  float* w2 = nullptr;         // [E, d, hidden]  down proj
  float* shared_w1 = nullptr;  // [shared_hidden, d]
  float* shared_w3 = nullptr;  // [shared_hidden, d]
  float* shared_w2 = nullptr;  // [d, shared_hidden]
};

class MoeLayer {
 public:
  explicit MoeLayer(MoeShape s) : s_(s), bias_(s.n_experts, 0.0f), load_(s.n_experts, 0) {}

  // y [N, d] = MoE(x [N, d]). Keeps what backward needs (x is referenced, not copied:
  // it must stay alive and unchanged until backward).
  // Loads (for balancing) are counted only when `training`, so evaluation passes do not
  // steer the routing biases.
  void forward(float* y, const float* x, int64_t N, const MoeParams& p, bool training = true);
  // Accumulates dx [N, d] and the weight grads.
  void backward(float* dx, const float* dy, const MoeParams& p, const MoeParams& g);

  // Auxiliary-loss-free balancing step from the loads counted since the last call (the
  // sigmoid router's; a no-op for the softmax router).
  void update_bias(float rate);
  // aux_coef * E * sum_e f_e P_e of the last forward (0 for the sigmoid router); its
  // gradient is part of backward.
  double aux_loss() const { return aux_; }
  // Reuse the last forward's expert choice (gates still follow the scores). Routing is
  // piecewise constant, so finite-difference checks freeze it to stay on one piece.
  void freeze_routing(bool on) { frozen_ = on; }
  std::vector<float>& bias() { return bias_; }
  const std::vector<int64_t>& load() const { return load_; }
  // Routed (token, expert) pairs per expert in the last forward, for load statistics.
  const std::vector<std::vector<int32_t>>& routed() const { return tokens_; }

 private:
  MoeShape s_;
  bool frozen_ = false;
  std::vector<float> bias_;
  std::vector<int64_t> load_;
  // Saved by forward.
  const float* x_ = nullptr;
  int64_t N_ = 0;
  double aux_ = 0.0;
  std::vector<float> score_;                 // [N, E] sigmoid or softmax affinities
  std::vector<float> aux_grad_;              // [E] d(aux term)/d s[n, e] (same for every n)
  std::vector<int32_t> chosen_;              // [N, k]
  std::vector<float> gate_;                  // [N, k]
  std::vector<std::vector<int32_t>> tokens_;  // per expert: token indices
  std::vector<std::vector<int32_t>> slot_;    // per expert: which of the token's k slots
  std::vector<std::vector<float>> xa_, a_, b_, h_, o_;  // per expert: gathered x, w1 x, w3 x, swiglu, output
  std::vector<float> sa_, sb_, sh_;          // shared expert activations
};

}  // namespace engram::model
