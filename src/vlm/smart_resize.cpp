#include "vlm/smart_resize.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "base/error.h"

namespace vidscope::vlm {
namespace {

// Python's round() on a float: ties go to the even neighbour. nearbyint uses the current rounding mode,
// which is round-to-nearest-even unless someone changed it process-wide.
long long round_half_even(double x) { return std::llround(std::nearbyint(x)); }

std::string size_text(int height, int width) {
  return std::to_string(height) + "x" + std::to_string(width) + " (height x width)";
}

}  // namespace

ImageSize smart_resize(int height, int width, int factor, double min_pixels, double max_pixels) {
  if (factor <= 0 || !(min_pixels > 0) || !(max_pixels > 0)) {
    throw_input_error("smart_resize: invalid settings factor=" + std::to_string(factor) +
                      " min_pixels=" + std::to_string(min_pixels) + " max_pixels=" + std::to_string(max_pixels));
  }
  if (height < factor || width < factor) {
    throw_input_error("image " + size_text(height, width) + " is too small: both sides must be at least " +
                      std::to_string(factor) + " pixels");
  }
  const double h = height;
  const double w = width;
  if (std::max(h, w) / std::min(h, w) > 200.0) {
    throw_input_error("image " + size_text(height, width) + " has an aspect ratio above 200");
  }
  const double f = factor;
  long long h_bar = round_half_even(h / f) * factor;
  long long w_bar = round_half_even(w / f) * factor;
  const double pixels = static_cast<double>(h_bar * w_bar);
  // Same operation order as the reference so every intermediate double rounds identically.
  if (pixels > max_pixels) {
    const double beta = std::sqrt((h * w) / max_pixels);
    h_bar = static_cast<long long>(std::floor(h / beta / f)) * factor;
    w_bar = static_cast<long long>(std::floor(w / beta / f)) * factor;
  } else if (pixels < min_pixels) {
    const double beta = std::sqrt(min_pixels / (h * w));
    h_bar = static_cast<long long>(std::ceil(h * beta / f)) * factor;
    w_bar = static_cast<long long>(std::ceil(w * beta / f)) * factor;
  }
  // Only reachable with max_pixels below factor^2 (the reference would return a zero side).
  if (h_bar < factor || w_bar < factor || h_bar > (1 << 30) || w_bar > (1 << 30)) {
    throw_input_error("image " + size_text(height, width) + " cannot be resized into [" +
                      std::to_string(min_pixels) + ", " + std::to_string(max_pixels) + "] pixels");
  }
  return {static_cast<int>(h_bar), static_cast<int>(w_bar)};
}

double video_frame_max_pixels(const VideoPixelBudget& budget, int n_frames, int temporal_patch_size) {
  if (n_frames <= 0) throw_input_error("video_frame_max_pixels: a video needs at least one frame");
  const double shared = budget.total_pixels / n_frames * temporal_patch_size;
  return std::max(std::min(budget.max_pixels, shared), std::floor(budget.min_pixels * 1.05));
}

}  // namespace vidscope::vlm
