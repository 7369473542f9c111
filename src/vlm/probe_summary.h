#pragma once
// JSON summaries of arrays in the format of the Qwen2-VL reference outputs (tests/data/vlm/ref-*.json):
// shape, first values, l2, sum, abs_sum, min, max; pixel summaries add weighted_sum (weights
// (i % 97 + 1) / 97). Sums are accumulated in double like the reference. Pure functions.
#include <cstdint>
#include <span>
#include <vector>

#include <nlohmann/json.hpp>

namespace vidscope::vlm {

nlohmann::json summarize_values(std::span<const float> values, const std::vector<std::int64_t>& shape,
                                std::size_t first_count = 8);
nlohmann::json summarize_pixels(std::span<const float> values, const std::vector<std::int64_t>& shape);
// [[id, value], ...] of the k largest values, ties by lower id.
nlohmann::json top_values(std::span<const float> values, std::size_t k = 5);
// Largest minus second largest.
double top2_margin(std::span<const float> values);

}  // namespace vidscope::vlm
