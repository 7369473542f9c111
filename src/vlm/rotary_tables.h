#pragma once
// cos/sin tables for the rotary embeddings of Qwen2-VL / Qwen2.5-VL, laid out as tensor::rope wants
// them: one row of head_dim values per token, both halves filled (HF's cat(freqs, freqs)).
//
//  - Vision tower: 2D rotary over head_dim / 2 frequencies, theta 10000; the first half of the
//    frequencies rotate by the patch row (h), the second by the patch column (w); patches in
//    merge-window order, repeated for every temporal patch (transformers rot_pos_emb).
//  - Language model: M-RoPE; frequency j (of head_dim / 2) takes its position from the t, h or w id
//    according to mrope_section (e.g. [16, 24, 24]: j < 16 -> t, j < 40 -> h, else w).
// Angles and their cos/sin are computed in float32 like the reference. Pure functions.
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "vlm/processor_config.h"

namespace vidscope::vlm {

struct RotaryTable {
  std::int64_t head_dim = 0;
  std::vector<float> cos;  // rows x head_dim
  std::vector<float> sin;
  std::int64_t rows() const { return head_dim == 0 ? 0 : static_cast<std::int64_t>(cos.size()) / head_dim; }
};

// inv_freq[j] = 1 / theta^(2j / dim) for j < dim / 2, in float32.
std::vector<float> rotary_inverse_frequencies(double theta, std::int64_t dim);

// Rows for every patch of `grids` in processor (merge-window) order.
RotaryTable vision_rotary_table(std::span<const GridThw> grids, std::int64_t head_dim, int merge_size);

// Rows for tokens whose (t, h, w) position ids are given (each span the same length).
RotaryTable mrope_rotary_table(std::span<const std::int32_t> t, std::span<const std::int32_t> h,
                               std::span<const std::int32_t> w, std::int64_t head_dim, double theta,
                               std::span<const std::int64_t> mrope_section);

}  // namespace vidscope::vlm
