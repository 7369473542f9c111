#pragma once
// A port of PySceneDetect's ThresholdDetector (FLOOR method): a cut is placed between a fade-out (the
// mean of all R,G,B values falls below `threshold`) and the following fade-in (it rises to or above
// it again), at f_out + round_half_even((f_in - f_out) * (1 + fade_bias) / 2). Minimum shot length is
// in seconds (PySceneDetect counts frames) so variable frame rate videos behave.
#include <cstdint>
#include <optional>
#include <vector>

#include "analyzers/shot_boundaries.h"

namespace vidscope::analyzers {

struct FadeThresholdParams {
  double threshold = 12.0;
  double fade_bias = 0.0;  // in [-1, 1]: -1 puts the cut at the fade-out, +1 at the fade-in
  double min_shot_s = 0.5;
};

class FadeThresholdDetector {
 public:
  explicit FadeThresholdDetector(FadeThresholdParams params) : params_(params) {}

  // Frames in decode order. Returns the cut decided at this frame, if any.
  std::optional<FadeCut> add_frame(std::int64_t index, double time_s, double mean_rgb);

 private:
  // The cut frame's time is interpolated from the recorded fade-out and fade-in frames.
  FadeThresholdParams params_;
  bool started_ = false;
  bool below_ = false;
  std::int64_t fade_out_index_ = 0;
  double fade_out_time_s_ = 0;
  double last_fade_in_time_s_ = 0;
};

}  // namespace vidscope::analyzers
