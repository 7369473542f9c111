#include "vlm/image_processor.h"

#include <array>
#include <string>

#include "base/error.h"

namespace vidscope::vlm {
namespace {

// value(u8) = (float(u8 * (1/255)) - mean) / std, computed the way numpy/transformers do it (a double
// multiply rounded to float, then float subtract and divide), so a 256-entry table is bit-exact.
using ChannelTable = std::array<std::array<float, 256>, 3>;

ChannelTable make_normalize_table(const ProcessorConfig& config) {
  ChannelTable table{};
  for (int c = 0; c < 3; ++c) {
    for (int v = 0; v < 256; ++v) {
      const float scaled = static_cast<float>(v * (1.0 / 255.0));
      table[c][v] = (scaled - config.image_mean[c]) / config.image_std[c];
    }
  }
  return table;
}

void check_config(const ProcessorConfig& config) {
  if (config.patch_size <= 0 || config.merge_size <= 0 || config.temporal_patch_size <= 0) {
    throw_input_error("processor config: patch_size, merge_size and temporal_patch_size must be positive");
  }
  for (float s : config.image_std) {
    if (!(s > 0)) throw_input_error("processor config: image_std values must be positive");
  }
}

void check_frame(const RgbImageView& f, int width, int height, size_t index) {
  if (f.width != width || f.height != height) {
    throw_input_error("frame " + std::to_string(index) + " is " + std::to_string(f.width) + "x" +
                      std::to_string(f.height) + ", expected " + std::to_string(width) + "x" +
                      std::to_string(height) + " like the first frame");
  }
  if (f.rgb.size() < static_cast<size_t>(width) * height * 3) {
    throw_input_error("frame " + std::to_string(index) + ": RGB buffer shorter than width * height * 3");
  }
}

ProcessedVideo process_video(std::span<const RgbImageView> frames, double sample_fps,
                             const ProcessorConfig& config, double min_pixels, double max_pixels) {
  check_config(config);
  if (frames.empty()) throw_input_error("video has no frames");
  if (!(sample_fps > 0)) throw_input_error("video sample rate must be positive");
  const int width = frames[0].width;
  const int height = frames[0].height;
  for (size_t i = 0; i < frames.size(); ++i) check_frame(frames[i], width, height, i);

  const ImageSize size = smart_resize(height, width, config.resize_factor(), min_pixels, max_pixels);
  const BicubicResizer resizer(width, height, size.width, size.height);
  const size_t tps = static_cast<size_t>(config.temporal_patch_size);
  const size_t padded = (frames.size() + tps - 1) / tps * tps;

  std::vector<std::vector<std::uint8_t>> resized;
  std::vector<RgbImageView> views;
  const bool same_size = size.width == width && size.height == height;
  if (!same_size) resized.reserve(frames.size());
  for (const RgbImageView& f : frames) {
    if (same_size) {
      views.push_back(f);
    } else {
      resized.push_back(resizer.resize(f));
      views.push_back({size.width, size.height, resized.back()});
    }
  }
  while (views.size() < padded) views.push_back(views.back());  // repeat the last frame

  ProcessedVideo out;
  out.patches = patchify_frames(views, config);
  out.frames_used = static_cast<int>(padded);
  out.frame_size = size;
  out.second_per_grid_t = config.temporal_patch_size / sample_fps;
  return out;
}

}  // namespace

PixelPatches patchify_frames(std::span<const RgbImageView> frames, const ProcessorConfig& config) {
  check_config(config);
  if (frames.empty()) throw_input_error("patchify: no frames");
  const int ps = config.patch_size;
  const int ms = config.merge_size;
  const int tps = config.temporal_patch_size;
  const int width = frames[0].width;
  const int height = frames[0].height;
  for (size_t i = 0; i < frames.size(); ++i) check_frame(frames[i], width, height, i);
  const int factor = config.resize_factor();
  if (width % factor != 0 || height % factor != 0) {
    throw_input_error("patchify: frame size " + std::to_string(width) + "x" + std::to_string(height) +
                      " is not a multiple of " + std::to_string(factor));
  }
  const bool still = frames.size() == 1;
  if (!still && frames.size() % static_cast<size_t>(tps) != 0) {
    throw_input_error("patchify: frame count " + std::to_string(frames.size()) + " is not a multiple of " +
                      std::to_string(tps));
  }

  PixelPatches out;
  out.grid = {still ? 1 : static_cast<int>(frames.size()) / tps, height / ps, width / ps};
  out.row_size = config.patch_row_size();
  out.values.resize(static_cast<size_t>(out.grid.patch_count()) * out.row_size);
  const ChannelTable table = make_normalize_table(config);

  float* dst = out.values.data();
  const int blocks_h = out.grid.h / ms;
  const int blocks_w = out.grid.w / ms;
  for (int t = 0; t < out.grid.t; ++t) {
    for (int bh = 0; bh < blocks_h; ++bh) {
      for (int bw = 0; bw < blocks_w; ++bw) {
        for (int mh = 0; mh < ms; ++mh) {
          for (int mw = 0; mw < ms; ++mw) {
            const int y0 = (bh * ms + mh) * ps;
            const int x0 = (bw * ms + mw) * ps;
            // One row: channel, then frame within the temporal patch, then patch_y, patch_x.
            for (int c = 0; c < 3; ++c) {
              for (int tt = 0; tt < tps; ++tt) {
                const RgbImageView& f = frames[still ? 0 : static_cast<size_t>(t) * tps + tt];
                for (int py = 0; py < ps; ++py) {
                  const std::uint8_t* row = f.rgb.data() + (static_cast<size_t>(y0 + py) * width + x0) * 3;
                  for (int px = 0; px < ps; ++px) *dst++ = table[c][row[px * 3 + c]];
                }
              }
            }
          }
        }
      }
    }
  }
  return out;
}

PixelPatches preprocess_image(const RgbImageView& image, const ProcessorConfig& config) {
  check_config(config);
  check_frame(image, image.width, image.height, 0);
  const ImageSize size =
      smart_resize(image.height, image.width, config.resize_factor(), config.min_pixels, config.max_pixels);
  if (size.width == image.width && size.height == image.height) {
    return patchify_frames(std::span<const RgbImageView>(&image, 1), config);
  }
  const std::vector<std::uint8_t> resized = resize_bicubic(image, size.width, size.height);
  const RgbImageView view{size.width, size.height, resized};
  return patchify_frames(std::span<const RgbImageView>(&view, 1), config);
}

ProcessedVideo preprocess_video(std::span<const RgbImageView> frames, double sample_fps,
                                const ProcessorConfig& config, const VideoPixelBudget& budget) {
  const int tps = config.temporal_patch_size > 0 ? config.temporal_patch_size : 1;
  const int padded = static_cast<int>((frames.size() + tps - 1) / tps * tps);
  const double max_pixels = frames.empty() ? budget.max_pixels : video_frame_max_pixels(budget, padded, tps);
  return process_video(frames, sample_fps, config, budget.min_pixels, max_pixels);
}

ProcessedVideo preprocess_video_bounded(std::span<const RgbImageView> frames, double sample_fps,
                                        const ProcessorConfig& config, double min_pixels, double max_pixels) {
  return process_video(frames, sample_fps, config, min_pixels, max_pixels);
}

}  // namespace vidscope::vlm
