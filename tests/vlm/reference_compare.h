#pragma once
// Comparisons of an engine probe (VlmEngine::probe) with a reference JSON of the same fields, shared by
// the reference tests of the Qwen2-VL and Qwen2.5-VL fixtures.
#include <vector>

#include <nlohmann/json.hpp>

namespace vidscope::vlm::test {

double max_abs(const std::vector<double>& values);

// max |ref - got| / max |ref| over the full-vocabulary "last_logits".
double logits_max_rel_diff(const nlohmann::json& ref, const nlohmann::json& got);
// ||ref - got|| / ||ref|| over "last_logits".
double logits_rel_l2(const nlohmann::json& ref, const nlohmann::json& got);

// compare_ref.py's rule for "greedy_ids": equal, or the first difference is at a step where the
// reference's top-2 margin is within 2 x tol x max|logit| (a near-tie that rounding may flip). Adds a
// gtest failure otherwise.
void expect_greedy_matches(const nlohmann::json& ref, const nlohmann::json& got, double tol);

}  // namespace vidscope::vlm::test
