#pragma once
// Target size of an image for the Qwen2-VL vision tower: both sides multiples of `factor`
// (patch_size * merge_size = 28), pixel count inside [min_pixels, max_pixels], aspect ratio kept as far
// as possible. Bit-for-bit the rule of transformers' Qwen2VLImageProcessor smart_resize (v4.45), including
// Python's round-half-to-even.
#include "vlm/processor_config.h"

namespace vidscope::vlm {

struct ImageSize {
  int height = 0;
  int width = 0;
  friend bool operator==(const ImageSize&, const ImageSize&) = default;
};

// Returns the resized (height, width). Throws vidscope::Error (input) when a side is smaller than
// `factor`, when the aspect ratio exceeds 200, or when the arguments cannot give a valid size
// (non-positive factor or bounds). Pure function, thread-safe.
ImageSize smart_resize(int height, int width, int factor, double min_pixels, double max_pixels);

// The per-frame max_pixels qwen-vl-utils uses for a video of `n_frames` sampled frames:
//   max(min(budget.max_pixels, budget.total_pixels / n_frames * temporal_patch_size),
//       floor(budget.min_pixels * 1.05))
// so that the whole video stays near total_pixels / (28*28) LLM tokens. n_frames must be > 0.
double video_frame_max_pixels(const VideoPixelBudget& budget, int n_frames, int temporal_patch_size = 2);

}  // namespace vidscope::vlm
