#pragma once
// The median of a few timings (the middle one; the mean of the two middle ones for an even count):
// benchmarks repeat a measurement and report its median so that one disturbed run does not decide.
#include <algorithm>
#include <vector>

namespace vidscope::bench {

inline double median(std::vector<double> values) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

}  // namespace vidscope::bench
