#pragma once
// Plain settings and shapes shared by the Qwen2-VL / Qwen2.5-VL image and video processor. They mirror
// preprocessor_config.json (Qwen2VLImageProcessor) so the model layer can fill them from a checkpoint;
// nothing here reads files.
#include <array>
#include <cstdint>

namespace vidscope::vlm {

// OpenAI CLIP normalisation used by every released Qwen2-VL / Qwen2.5-VL checkpoint.
inline constexpr std::array<float, 3> kClipMean = {0.48145466f, 0.4578275f, 0.40821073f};
inline constexpr std::array<float, 3> kClipStd = {0.26862954f, 0.26130258f, 0.27577711f};

struct ProcessorConfig {
  int patch_size = 14;           // vision patch side in pixels
  int merge_size = 2;            // spatial merge: merge_size^2 patches become one LLM token
  int temporal_patch_size = 2;   // frames per temporal patch (a still image is duplicated)
  // Pixel-count bounds for smart_resize. Defaults are the transformers image-processor class defaults;
  // the released checkpoints' preprocessor_config.json raise max_pixels to 12845056.
  double min_pixels = 56.0 * 56.0;
  double max_pixels = 28.0 * 28.0 * 1280.0;
  std::array<float, 3> image_mean = kClipMean;
  std::array<float, 3> image_std = kClipStd;

  int resize_factor() const { return patch_size * merge_size; }
  // Values in one row of pixel patches: channels x temporal x patch x patch (1176 for the defaults).
  int patch_row_size() const { return 3 * temporal_patch_size * patch_size * patch_size; }
};

// Grid of vision patches: t temporal patches, h x w spatial patches (h, w multiples of merge_size).
struct GridThw {
  int t = 0;
  int h = 0;
  int w = 0;

  std::int64_t patch_count() const { return std::int64_t{t} * h * w; }
  // LLM tokens after the 2x2 merger: the length of the <|image_pad|>/<|video_pad|> run.
  std::int64_t token_count(int merge_size) const { return patch_count() / (merge_size * merge_size); }
  friend bool operator==(const GridThw&, const GridThw&) = default;
};

// Per-frame pixel budget for videos, as qwen-vl-utils applies it (see video_frame_max_pixels).
struct VideoPixelBudget {
  double min_pixels = 128.0 * 28.0 * 28.0;      // per frame
  double max_pixels = 768.0 * 28.0 * 28.0;      // per frame, upper cap
  double total_pixels = 24576.0 * 28.0 * 28.0;  // whole video (all frames)
};

}  // namespace vidscope::vlm
