#pragma once
// Shot boundary detection over a stream of analysis-sized frames, independent of the analyzer plumbing
// so it can be tested frame by frame. Hard cuts follow PySceneDetect's ContentDetector (score >=
// threshold) or AdaptiveDetector (score / mean of the neighbouring window >= adaptive_threshold);
// gradual transitions come from GradualTracker and fade cuts from FadeThresholdDetector.
//
// Not thread-safe; one instance per video. Memory is bounded by 2 * window_width + fade_guard_frames
// + 2 prepared frames, whatever the video's length (the result lists grow with the number of cuts).
#include <cstdint>
#include <deque>
#include <vector>

#include <opencv2/core.hpp>

#include "analyzers/content_score.h"
#include "analyzers/fade_threshold.h"
#include "analyzers/gradual_tracker.h"
#include "analyzers/shot_boundaries.h"

namespace vidscope::analyzers {

enum class CutMethod { kContent, kAdaptive };

struct ShotDetectorParams {
  CutMethod method = CutMethod::kContent;
  ContentWeights weights;
  double threshold = 27.0;           // content: a frame scoring at least this starts a new shot
  int window_width = 2;              // adaptive: frames on each side of the frame being judged
  double adaptive_threshold = 3.0;   // adaptive: ratio needed
  double min_content_val = 15.0;     // adaptive: score needed as well
  double min_shot_s = 0.5;           // no cut closer than this to the previous cut (or the first frame)
  // A hard-cut candidate in the middle of a steady brightness ramp (every one of the previous
  // `fade_guard_frames` frames moved mean brightness the same way, by a similar step) is part of a
  // fade: dark frames' hue is noise and can push one fade frame over the threshold.
  bool fade_guard = true;
  int fade_guard_frames = 5;
  GradualParams gradual;
  FadeThresholdParams fade;
};

class ShotDetector {
 public:
  explicit ShotDetector(ShotDetectorParams params);

  // `rgb`: CV_8UC3 R,G,B, already at analysis size; frames in presentation order. The Mat is not kept.
  void add_frame(const cv::Mat& rgb, std::int64_t index, double time_s);
  // The same for a frame of any size: area-downscaled to fit max_size x max_size first (never upscaled),
  // so scores stay comparable whatever size the pipeline delivered.
  void add_frame_fitted(const cv::Mat& rgb, int max_size, std::int64_t index, double time_s);
  // Decides the frames still waiting for their right-hand window. Call once, after the last frame.
  void finish();

  const std::vector<HardCut>& hard_cuts() const { return hard_cuts_; }
  const std::vector<GradualTransition>& gradual_transitions() const { return gradual_; }
  const std::vector<FadeCut>& fade_cuts() const { return fade_cuts_; }
  std::int64_t frames_analyzed() const { return frames_analyzed_; }
  double first_time_s() const { return first_time_s_; }
  double last_time_s() const { return last_time_s_; }

 private:
  void decide(size_t position);
  double adaptive_ratio(size_t position) const;
  bool inside_brightness_ramp(size_t position) const;
  void trim_history();

  ShotDetectorParams params_;
  GradualTracker gradual_tracker_;
  FadeThresholdDetector fade_detector_;
  cv::Mat fitted_;  // scratch of add_frame_fitted
  std::deque<TrackedFrame> history_;  // scored frames; those from next_undecided_ on await a decision
  size_t next_undecided_ = 0;
  double last_cut_time_s_ = 0;
  std::int64_t frames_analyzed_ = 0;
  double first_time_s_ = 0;
  double last_time_s_ = 0;
  std::vector<HardCut> hard_cuts_;
  std::vector<GradualTransition> gradual_;
  std::vector<FadeCut> fade_cuts_;
};

}  // namespace vidscope::analyzers
