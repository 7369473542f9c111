#include "media/frame_rate_rule.h"

#include <algorithm>
#include <cmath>

namespace vidscope::media::detail {

bool is_variable_frame_rate(std::vector<std::int64_t> pts, double tick_s) {
  std::sort(pts.begin(), pts.end());
  pts.erase(std::unique(pts.begin(), pts.end()), pts.end());
  if (pts.size() < 3 || tick_s <= 0) return false;
  std::vector<double> deltas;
  deltas.reserve(pts.size() - 1);
  for (size_t i = 1; i < pts.size(); ++i) deltas.push_back(static_cast<double>(pts[i] - pts[i - 1]));
  std::vector<double> sorted = deltas;
  std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 2, sorted.end());
  const double median = sorted[sorted.size() / 2];
  const double allowed = std::max(0.1 * median, 1.0);
  const auto odd = std::count_if(deltas.begin(), deltas.end(),
                                 [&](double d) { return std::abs(d - median) > allowed; });
  const auto needed = std::max<std::ptrdiff_t>(2, static_cast<std::ptrdiff_t>(std::ceil(0.02 * deltas.size())));
  return odd >= needed;
}

}  // namespace vidscope::media::detail
