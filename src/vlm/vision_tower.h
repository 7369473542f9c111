#pragma once
// The vision tower of Qwen2-VL and Qwen2.5-VL: pixel-patch rows (processor order) -> one embedding of
// the language model's width per 2x2 merged patch, in raster order (t, h/2, w/2) — the order of the
// <|image_pad|>/<|video_pad|> run.
//
//   patch embed (Conv3d as a GEMM) -> blocks -> merger (norm, 4 rows -> Linear -> GELU -> Linear)
//   Qwen2-VL block:   x += proj(attn(LayerNorm(x)));   x += fc2(QuickGELU(fc1(LayerNorm(x))))
//   Qwen2.5-VL block: x += proj(attn(RMSNorm(x)));     x += down(silu(gate(y)) * up(y)), y = RMSNorm(x)
// Attention is non-causal with 2D rotary embeddings and never crosses a temporal patch: Qwen2-VL
// attends within each temporal patch; Qwen2.5-VL within 112 px windows except in its
// fullatt_block_indexes blocks, with tokens permuted into window order before block 0 and back after
// the merger (vision_windows.h).
//
// Because no block mixes temporal patches, encode() runs the tower over a few temporal patches at a
// time: activation memory is bounded by the chunk, not by the video's length, and the result is
// identical to one pass over everything.
//
// Thread-safety: encode() issues ops on the backend, so calls must not overlap with other work on the
// same backend. The weights and the backend must outlive the tower.
#include <cstdint>
#include <span>

#include "backend/backend.h"
#include "models/vlm_config.h"
#include "vlm/activation.h"
#include "vlm/image_processor.h"
#include "vlm/vlm_weights.h"

namespace vidscope::vlm {

class VisionTower {
 public:
  VisionTower(const models::VisionModelConfig& config, const VisionWeights& weights, backend::Backend& backend);
  backend::Backend& model_backend() const { return backend_; }

  // [patches.grid.token_count(merge), out_hidden_size]. Throws vidscope::Error (input) when the patch
  // row size or the grid does not fit the model (h, w not multiples of the merge size).
  Activation encode(const PixelPatches& patches) const;

  std::int64_t out_hidden_size() const { return config_.out_hidden_size; }

 private:
  // The tower over `rows` patch rows of the temporal patches [t0, t0 + t_count) of one grid.
  void encode_chunk(const PixelPatches& patches, int t0, int t_count, float* out) const;
  void run_block(std::size_t index, const Activation& x, const backend::TensorView& cos, const backend::TensorView& sin,
                 std::span<const std::int64_t> full_segments, std::span<const std::int64_t> window_segments) const;

  models::VisionModelConfig config_;
  const VisionWeights& weights_;
  backend::Backend& backend_;
  bool qwen25_ = false;
};

}  // namespace vidscope::vlm
