#include "vlm/probe_summary.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace vidscope::vlm {

nlohmann::json summarize_values(std::span<const float> values, const std::vector<std::int64_t>& shape,
                                std::size_t first_count) {
  double sq = 0, sum = 0, abs_sum = 0;
  double lo = values.empty() ? 0 : values[0], hi = lo;
  for (const float f : values) {
    const double v = f;
    sq += v * v;
    sum += v;
    abs_sum += std::abs(v);
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  nlohmann::json first = nlohmann::json::array();
  for (std::size_t i = 0; i < std::min(first_count, values.size()); ++i) first.push_back(static_cast<double>(values[i]));
  return {{"shape", shape}, {"first", first}, {"l2", std::sqrt(sq)}, {"sum", sum},
          {"abs_sum", abs_sum}, {"min", lo}, {"max", hi}};
}

nlohmann::json summarize_pixels(std::span<const float> values, const std::vector<std::int64_t>& shape) {
  nlohmann::json s = summarize_values(values, shape, 16);
  double weighted = 0;
  for (std::size_t i = 0; i < values.size(); ++i) weighted += values[i] * ((static_cast<double>(i % 97) + 1.0) / 97.0);
  s["weighted_sum"] = weighted;
  return s;
}

nlohmann::json top_values(std::span<const float> values, std::size_t k) {
  std::vector<std::int32_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  k = std::min(k, order.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(), [&](auto a, auto b) {
    return values[static_cast<std::size_t>(a)] > values[static_cast<std::size_t>(b)] ||
           (values[static_cast<std::size_t>(a)] == values[static_cast<std::size_t>(b)] && a < b);
  });
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t i = 0; i < k; ++i) out.push_back({order[i], static_cast<double>(values[static_cast<std::size_t>(order[i])])});
  return out;
}

double top2_margin(std::span<const float> values) {
  if (values.size() < 2) return 0;
  std::vector<float> v(values.begin(), values.end());
  std::nth_element(v.begin(), v.end() - 2, v.end());
  const float second = v[v.size() - 2];
  const float first = *std::max_element(v.end() - 1, v.end());
  return static_cast<double>(first) - static_cast<double>(second);
}

}  // namespace vidscope::vlm
