#include "serve/sampler.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace engram::serve {

Sampler::Sampler(SampleOptions o) : o_(o), rng_(o.seed * kGoldenGamma + 0x1234567ull) {
  if (!o_.greedy && !(o_.temperature > 0)) throw Error("--temperature must be positive (or use --greedy)");
  if (o_.top_k < 0) throw Error("--top-k must be >= 0");
  if (!(o_.top_p > 0 && o_.top_p <= 1)) throw Error("--top-p must be in (0, 1]");
}

double Sampler::uniform() {
  return rng_.unit();
}

int32_t Sampler::sample(const float* logits, int64_t V) {
  if (o_.greedy) {
    int32_t best = 0;
    for (int64_t v = 1; v < V; ++v)
      if (logits[v] > logits[best]) best = static_cast<int32_t>(v);
    return best;
  }
  buf_.resize(V);
  for (int64_t v = 0; v < V; ++v) buf_[v] = {logits[v] / o_.temperature, static_cast<int32_t>(v)};
  auto by_logit = [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); };
  int64_t n = V;
  if (o_.top_k > 0 && o_.top_k < V) {
    std::partial_sort(buf_.begin(), buf_.begin() + o_.top_k, buf_.end(), by_logit);
    n = o_.top_k;
  } else {
    std::sort(buf_.begin(), buf_.end(), by_logit);
  }
  // Softmax over the kept candidates, then the smallest prefix holding top_p of the mass.
  const float mx = buf_[0].first;
  double sum = 0;
  std::vector<double> p(n);
  for (int64_t i = 0; i < n; ++i) sum += (p[i] = std::exp(static_cast<double>(buf_[i].first - mx)));
  int64_t keep = n;
  if (o_.top_p < 1) {
    double acc = 0;
    for (int64_t i = 0; i < n; ++i) {
      acc += p[i] / sum;
      if (acc >= o_.top_p) {
        keep = i + 1;
        break;
      }
    }
  }
  double mass = 0;
  for (int64_t i = 0; i < keep; ++i) mass += p[i];
  double r = uniform() * mass;
  for (int64_t i = 0; i < keep; ++i) {
    r -= p[i];
    if (r <= 0) return buf_[i].second;
  }
  return buf_[keep - 1].second;
}

}  // namespace engram::serve
