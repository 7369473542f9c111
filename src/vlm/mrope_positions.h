#pragma once
// 3D (temporal, height, width) rotary position ids for the Qwen2-VL / Qwen2.5-VL language model
// (transformers get_rope_index: v4.45 rules for Qwen2-VL, v4.49-4.51 rules for Qwen2.5-VL).
//
//  - Text token: t = h = w = running index.
//  - Vision block (a run of image/video pad tokens right after <|vision_start|>), merged grid
//    (T, H/merge, W/merge): with s = 1 + max of every earlier id (0 at the start), token k in raster order
//    (t slowest, then h, then w) gets (t_k + s, h_k + s, w_k + s). Qwen2-VL: t_k = temporal-patch index.
//    Qwen2.5-VL videos: t_k = trunc(float(index * second_per_grid_t) * tokens_per_second) (absolute
//    time, computed in float32 like the reference); images t_k = 0.
//  - Text after a block continues at 1 + max of the block's ids.
//  - rope_delta = max(ids) + 1 - sequence length; decode step at cache position p uses p + rope_delta
//    for all three components.
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "vlm/chat_prompt.h"
#include "vlm/processor_config.h"

namespace vidscope::vlm {

enum class RopeIndexRules {
  kQwen2Vl,   // temporal index = temporal-patch number
  kQwen25Vl,  // video temporal index = absolute time in units of 1 / tokens_per_second
};

struct MropeSettings {
  RopeIndexRules rules = RopeIndexRules::kQwen2Vl;
  int merge_size = 2;
  int tokens_per_second = 2;  // Qwen2.5-VL vision_config.tokens_per_second
};

struct MropePositions {
  std::array<std::vector<std::int32_t>, 3> thw;  // [0] temporal, [1] height, [2] width; each seq long
  std::int64_t rope_delta = 0;

  size_t size() const { return thw[0].size(); }
};

// `image_grids` / `video_grids`: one grid per image / video block, in prompt order. For Qwen2.5-VL
// `video_second_per_grid` holds one value per video (ProcessedVideo::second_per_grid_t); when empty,
// 1.0 is used, as transformers does. Uses ids.vision_start, ids.image_pad, ids.video_pad.
// Throws vidscope::Error (input) when the blocks found in `token_ids` do not match the grids (count,
// or pad-run length t*h*w/merge^2), or on bad settings. Pure and thread-safe.
MropePositions compute_mrope_positions(std::span<const std::int32_t> token_ids, std::span<const GridThw> image_grids,
                                       std::span<const GridThw> video_grids, const SpecialTokenIds& ids,
                                       const MropeSettings& settings,
                                       std::span<const double> video_second_per_grid = {});

// Position of a decoded token at KV-cache position `cache_position` (same for t, h and w).
inline std::int64_t decode_position(std::int64_t cache_position, std::int64_t rope_delta) {
  return cache_position + rope_delta;
}

}  // namespace vidscope::vlm
