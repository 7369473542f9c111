#pragma once
// Shared by the tensor and backend tests: random data, the SIMD levels this CPU can run, and naive
// double-precision references for every op.
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "tensor/cpu_features.h"
#include "tensor/kernel_table.h"

namespace vidscope::tensor::testing {

inline std::vector<float> random_values(std::size_t n, std::uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

inline std::vector<SimdLevel> supported_levels() {
  std::vector<SimdLevel> levels;
  for (SimdLevel l : {SimdLevel::kScalar, SimdLevel::kAvx2, SimdLevel::kAvx512, SimdLevel::kAvx512Vnni})
    if (cpu_supports(l)) levels.push_back(l);
  return levels;
}

// y[m][n] = bias[n] + sum_k x[m][k] w[n][k], in double; also returns sum_k |x w| per output (the
// scale that f32 rounding error is proportional to).
inline void reference_matmul(const std::vector<float>& x, const std::vector<float>& w, const float* bias, int m_count,
                             int n_count, int k_count, std::vector<double>& y, std::vector<double>& magnitude) {
  y.assign(static_cast<std::size_t>(m_count) * n_count, 0.0);
  magnitude.assign(y.size(), 0.0);
  for (int m = 0; m < m_count; ++m)
    for (int n = 0; n < n_count; ++n) {
      double s = bias ? bias[n] : 0.0, a = bias ? std::fabs(bias[n]) : 0.0;
      for (int k = 0; k < k_count; ++k) {
        const double p = static_cast<double>(x[m * k_count + k]) * w[n * k_count + k];
        s += p;
        a += std::fabs(p);
      }
      y[m * n_count + n] = s;
      magnitude[m * n_count + n] = a;
    }
}

inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

}  // namespace vidscope::tensor::testing
