#pragma once
// camera_motion: per segment, the camera's global motion between consecutive frames of a 10 fps stream
// (sparse optical flow: Shi-Tomasi corners tracked by pyramidal Lucas-Kanade, then a RANSAC similarity
// transform), classified as pan left/right, tilt up/down, zoom in/out, shake or static. Frame pairs
// that straddle a cut (content score >= cut_threshold) are skipped. See docs/analyzers.md.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "analyzers/analyzer.h"
#include "analyzers/content_score.h"

namespace vidscope::analyzers {

struct CameraMotionConfig {
  double fps = 10.0;
  int max_size = 320;
  int max_corners = 200;
  int min_tracked_points = 12;    // fewer tracked corners: the pair is "untrackable" (flat picture)
  double cut_threshold = 27.0;    // content score (content_score.h) of a pair that counts as a cut
  double pan_threshold = 0.03;    // frame widths per second for pan / tilt
  double zoom_threshold = 0.03;   // |ln(scale)| per second
  double shake_threshold = 0.008; // RMS deviation of per-pair displacement from its mean, frame widths
};

// Throws Error(kUsage) for unknown keys or bad values.
CameraMotionConfig parse_camera_motion_settings(const nlohmann::json& settings);

// The picture's motion from one frame to the next: how far the image centre moved (pixels, x right,
// y down) and the scale factor (> 1: content grew, i.e. zoom in).
struct PairMotion {
  double dx_px = 0;
  double dy_px = 0;
  double scale = 1;
  int tracked_points = 0;
  int inliers = 0;
};

// Both CV_8UC1 of the same size. nullopt when fewer than `min_tracked_points` corners are tracked or
// RANSAC finds no transform.
std::optional<PairMotion> estimate_pair_motion(const cv::Mat& previous_gray, const cv::Mat& gray, int max_corners,
                                               int min_tracked_points);

class CameraMotionAnalyzer final : public Analyzer {
 public:
  std::string name() const override { return "camera_motion"; }
  std::string description() const override;
  AnalyzerNeeds needs(const AnalyzerContext& context) const override;
  void begin(const AnalyzerContext& context) override;
  void process(const SegmentInput& input) override;
  nlohmann::json finish() override;

 private:
  struct TimedMotion {
    double dt_s = 0;
    double width_px = 1;
    PairMotion motion;
  };
  nlohmann::json segment_json(const media::Segment& segment, const std::vector<TimedMotion>& pairs, int cut_pairs,
                              int untrackable_pairs);

  CameraMotionConfig config_;
  cv::Mat previous_gray_;
  ContentFrame previous_content_;
  double previous_time_s_ = 0;
  std::int64_t previous_index_ = -1;
  nlohmann::json segments_ = nlohmann::json::array();
  std::map<std::string, double> primary_seconds_;  // summary: segment seconds per primary label
};

}  // namespace vidscope::analyzers
