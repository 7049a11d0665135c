#include "ops/rope.h"

#include <cmath>
#include <vector>

namespace engram::ops {

namespace {

// cos/sin table [T, hd/2] computed in double so long contexts keep their precision.
void angles(std::vector<float>& cs, std::vector<float>& sn, float base, int64_t pos0, int64_t T, int64_t hd) {
  const int64_t half = hd / 2;
  cs.resize(T * half);
  sn.resize(T * half);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t i = 0; i < half; ++i) {
      double inv = std::pow(static_cast<double>(base), -2.0 * static_cast<double>(i) / static_cast<double>(hd));
      double a = static_cast<double>(pos0 + t) * inv;
      cs[t * half + i] = static_cast<float>(std::cos(a));
      sn[t * half + i] = static_cast<float>(std::sin(a));
    }
}

template <bool kInverse, bool kAccumulate>
void rotate(float* y, const float* x, float base, int64_t pos0, int64_t B, int64_t T, int64_t H, int64_t hd) {
  std::vector<float> cs, sn;
  angles(cs, sn, base, pos0, T, hd);
  const int64_t half = hd / 2;
#pragma omp parallel for collapse(2) schedule(static) if (B * T * H * hd > 65536)
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t)
      for (int64_t h = 0; h < H; ++h) {
        const float* xr = x + ((b * T + t) * H + h) * hd;
        float* yr = y + ((b * T + t) * H + h) * hd;
        const float* c = cs.data() + t * half;
        const float* s = sn.data() + t * half;
        for (int64_t i = 0; i < half; ++i) {
          const float x1 = xr[i], x2 = xr[i + half];
          const float si = kInverse ? -s[i] : s[i];
          const float y1 = x1 * c[i] - x2 * si;
          const float y2 = x2 * c[i] + x1 * si;
          if (kAccumulate) {
            yr[i] += y1;
            yr[i + half] += y2;
          } else {
            yr[i] = y1;
            yr[i + half] = y2;
          }
        }
      }
}

}  // namespace

void rope_forward(float* y, const float* x, float base, int64_t pos0, int64_t B, int64_t T, int64_t H, int64_t hd) {
  rotate<false, false>(y, x, base, pos0, B, T, H, hd);
}

void rope_backward(float* dx, const float* dy, float base, int64_t pos0, int64_t B, int64_t T, int64_t H, int64_t hd,
                   bool accumulate) {
  if (accumulate) rotate<true, true>(dx, dy, base, pos0, B, T, H, hd);
  else rotate<true, false>(dx, dy, base, pos0, B, T, H, hd);
}

}  // namespace engram::ops
