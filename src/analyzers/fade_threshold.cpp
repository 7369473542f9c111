#include "analyzers/fade_threshold.h"

#include <cmath>

namespace vidscope::analyzers {
namespace {

// Python's round(): halves go to the even neighbour, as PySceneDetect's split point does.
std::int64_t round_half_even(double value) { return static_cast<std::int64_t>(std::nearbyint(value)); }

}  // namespace

std::optional<FadeCut> FadeThresholdDetector::add_frame(std::int64_t index, double time_s, double mean_rgb) {
  const bool below = mean_rgb < params_.threshold;
  if (!started_) {
    // PySceneDetect counts the minimum length from the first frame; a video that opens in black is a
    // fade-out at its first frame.
    started_ = true;
    last_fade_in_time_s_ = time_s;
    below_ = below;
    if (below) {
      fade_out_index_ = index;
      fade_out_time_s_ = time_s;
    }
    return std::nullopt;
  }
  std::optional<FadeCut> cut;
  if (!below_ && below) {
    fade_out_index_ = index;
    fade_out_time_s_ = time_s;
  } else if (below_ && !below) {
    if (time_s - last_fade_in_time_s_ >= params_.min_shot_s) {
      const double fraction = (1.0 + params_.fade_bias) / 2.0;
      const std::int64_t offset = round_half_even(static_cast<double>(index - fade_out_index_) * fraction);
      const double span_s = time_s - fade_out_time_s_;
      const double frames = static_cast<double>(index - fade_out_index_);
      FadeCut fade_cut;
      fade_cut.frame_index = fade_out_index_ + offset;
      fade_cut.time_s = fade_out_time_s_ + (frames > 0 ? span_s * static_cast<double>(offset) / frames : 0.0);
      fade_cut.fade_out_frame = fade_out_index_;
      fade_cut.fade_in_frame = index;
      cut = fade_cut;
      last_fade_in_time_s_ = time_s;
    }
  }
  below_ = below;
  return cut;
}

}  // namespace vidscope::analyzers
