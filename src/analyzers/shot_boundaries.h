#pragma once
// The result types of shot boundary detection, shared by the detectors and the shot_cuts analyzer.
#include <cstdint>
#include <string>

namespace vidscope::analyzers {

struct HardCut {
  double time_s = 0;          // first frame of the new shot
  std::int64_t frame_index = 0;
  double score = 0;           // content score against the previous frame (0..255)
  double adaptive_ratio = 0;  // score / mean score of the neighbouring window (255 when that mean is 0)
};

struct GradualTransition {
  double start_s = 0;  // first frame that changed
  double end_s = 0;    // last frame that changed
  std::int64_t start_frame = 0;
  std::int64_t end_frame = 0;
  std::string kind;    // "fade_in", "fade_out" or "dissolve"
  std::string via;     // "black" or "white" for fades, "" for dissolves
  double score = 0;    // content score between the frame before the run and its last frame
};

// ThresholdDetector's cut between a fade-out and the following fade-in.
struct FadeCut {
  double time_s = 0;
  std::int64_t frame_index = 0;
  std::int64_t fade_out_frame = 0;  // first frame below the threshold
  std::int64_t fade_in_frame = 0;   // first frame at or above it again
};

}  // namespace vidscope::analyzers
