#pragma once
// Turns RGB images and sampled video frames into the pixel-patch rows the Qwen2-VL / Qwen2.5-VL vision
// tower eats, exactly as transformers' Qwen2VLImageProcessor does (v4.45):
//   smart_resize -> bicubic resize (Pillow-exact) -> x/255 -> (x - mean) / std -> patchify.
// Row layout: rows in merge-window order (t, h/merge, w/merge, merge, merge); each row holds
// channel x temporal x patch_y x patch_x values (3 x 2 x 14 x 14 = 1176 by default). A still image is
// duplicated into both frames of its temporal patch; video frames 2k and 2k+1 form temporal patch k.
// All functions are pure and thread-safe; failures throw vidscope::Error (input).
#include <cstdint>
#include <span>
#include <vector>

#include "vlm/bicubic_resize.h"
#include "vlm/processor_config.h"
#include "vlm/smart_resize.h"

namespace vidscope::vlm {

struct PixelPatches {
  GridThw grid;
  int row_size = 0;           // values per row (ProcessorConfig::patch_row_size())
  std::vector<float> values;  // grid.patch_count() rows x row_size, row-major

  std::int64_t rows() const { return grid.patch_count(); }
};

// One image; its size is chosen by smart_resize with config.min_pixels / config.max_pixels.
PixelPatches preprocess_image(const RgbImageView& image, const ProcessorConfig& config);

struct ProcessedVideo {
  PixelPatches patches;
  int frames_used = 0;             // after padding to a multiple of temporal_patch_size
  ImageSize frame_size;            // size every frame was resized to
  // Seconds covered by one temporal patch (temporal_patch_size / sample_fps); Qwen2.5-VL turns it into
  // absolute-time M-RoPE ids.
  double second_per_grid_t = 0.0;
};

// Frames already sampled at `sample_fps` (all the same size; the media layer samples, by default at
// 2 fps). An odd count is padded by repeating the last frame, as the transformers video processor and
// qwen-vl-utils do. Frames are resized with smart_resize(min_pixels, max_pixels) where max_pixels =
// video_frame_max_pixels(budget, frame count after padding) — the qwen-vl-utils rule — and min_pixels =
// budget.min_pixels. Throws on an empty list, frames of different sizes, or a non-positive fps.
ProcessedVideo preprocess_video(std::span<const RgbImageView> frames, double sample_fps,
                                const ProcessorConfig& config, const VideoPixelBudget& budget = {});

// Same, with explicit per-frame pixel bounds (no total budget); what the transformers
// Qwen2VLVideoProcessor does, and what the reference fixtures use (config.min_pixels/max_pixels).
ProcessedVideo preprocess_video_bounded(std::span<const RgbImageView> frames, double sample_fps,
                                        const ProcessorConfig& config, double min_pixels, double max_pixels);

// Lower level: frames already at `size` (multiples of resize_factor()), count a multiple of
// temporal_patch_size (a single frame is duplicated). Normalises and patchifies.
PixelPatches patchify_frames(std::span<const RgbImageView> frames, const ProcessorConfig& config);

}  // namespace vidscope::vlm
