#include "vlm/reference_compare.h"

#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>

namespace vidscope::vlm::test {

double max_abs(const std::vector<double>& values) {
  double m = 0;
  for (const double x : values) m = std::max(m, std::abs(x));
  return m;
}

double logits_max_rel_diff(const nlohmann::json& ref, const nlohmann::json& got) {
  const auto r = ref["last_logits"].get<std::vector<double>>();
  const auto g = got["last_logits"].get<std::vector<double>>();
  EXPECT_EQ(r.size(), g.size());
  double d = 0;
  for (std::size_t i = 0; i < std::min(r.size(), g.size()); ++i) d = std::max(d, std::abs(r[i] - g[i]));
  return d / max_abs(r);
}

double logits_rel_l2(const nlohmann::json& ref, const nlohmann::json& got) {
  const auto r = ref["last_logits"].get<std::vector<double>>();
  const auto g = got["last_logits"].get<std::vector<double>>();
  EXPECT_EQ(r.size(), g.size());
  double num = 0, den = 0;
  for (std::size_t i = 0; i < std::min(r.size(), g.size()); ++i) {
    num += (r[i] - g[i]) * (r[i] - g[i]);
    den += r[i] * r[i];
  }
  return std::sqrt(num / den);
}

void expect_greedy_matches(const nlohmann::json& ref, const nlohmann::json& got, double tol) {
  const auto r = ref["greedy_ids"].get<std::vector<int>>();
  const auto g = got["greedy_ids"].get<std::vector<int>>();
  ASSERT_EQ(r.size(), g.size());
  if (r == g) return;
  std::size_t i = 0;
  while (r[i] == g[i]) ++i;
  const double margin = ref["greedy_top2_margins"][i].get<double>();
  const double max_logit = max_abs(ref["last_logits"].get<std::vector<double>>());
  EXPECT_LE(margin, 2 * tol * max_logit) << "greedy ids differ at step " << i << " (" << r[i] << " vs " << g[i]
                                         << ") where the reference is not a near-tie";
}

}  // namespace vidscope::vlm::test
