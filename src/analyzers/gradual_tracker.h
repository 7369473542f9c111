#pragma once
// Finds gradual transitions (fades, dissolves) in a stream of per-frame content scores: a run of
// frames whose score stays above a low threshold (with at most `max_gap` quieter frames inside), long
// enough, short enough not to be camera motion, and whose last frame differs strongly from the frame
// before the run. No single frame of such a run need reach the hard-cut threshold.
#include <cstdint>
#include <optional>

#include "analyzers/content_score.h"
#include "analyzers/shot_boundaries.h"

namespace vidscope::analyzers {

struct GradualParams {
  double run_threshold = 1.5;     // per-frame score that counts as "changing"
  int min_frames = 6;             // shortest run, in frames
  int max_gap = 1;                // quieter frames tolerated inside a run
  double max_duration_s = 4.0;    // longer runs are taken for motion, not a transition
  double total_threshold = 27.0;  // score between the frame before the run and its last frame
  double dark_level = 24.0;       // an end whose mean R,G,B is below this is "black" (fade)
  double bright_level = 231.0;    // ... above this is "white"
  ContentWeights weights;
};

// One analysed frame as the tracker sees it. `frame` shares its planes (cv::Mat reference counting).
struct TrackedFrame {
  std::int64_t index = 0;
  double time_s = 0;
  double score = 0;  // against the previous frame
  ContentFrame frame;
};

class GradualTracker {
 public:
  explicit GradualTracker(GradualParams params) : params_(params) {}

  // Frames in order; `previous` is the frame just before `current` (nullptr for the first frame).
  // `is_hard_cut` ends any open run without making the cut part of it. Returns a finished transition.
  std::optional<GradualTransition> add_frame(const TrackedFrame* previous, const TrackedFrame& current,
                                             bool is_hard_cut);
  // Closes an open run at the end of the video.
  std::optional<GradualTransition> finish();

 private:
  std::optional<GradualTransition> close_run();
  const char* endpoint_level(double mean_rgb) const;

  struct Run {
    TrackedFrame before;  // the last frame before the change began
    TrackedFrame first;
    TrackedFrame last;    // the last frame above the run threshold
    int gap = 0;
  };

  GradualParams params_;
  std::optional<Run> run_;
};

}  // namespace vidscope::analyzers
