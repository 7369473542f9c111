#pragma once
// scenes: groups shots into scenes. Shots come from the shared shot detector (shot_detector.h, the same
// boundaries as shot_cuts); each shot gets a colour signature (mean HSV histogram of frames sampled at
// `signature_fps`), and shots whose signatures are similar within `link_window` shots of each other
// are linked. A scene boundary is a gap between shots that no link spans ("overlapping links"), so
// A B A' (a cut away and back, a dialogue's shot/reverse shot) is one scene. See docs/analyzers.md.
#include <optional>
#include <vector>

#include <opencv2/core.hpp>

#include "analyzers/analyzer.h"
#include "analyzers/shot_detector.h"
#include "analyzers/shot_list.h"

namespace vidscope::analyzers {

struct ScenesConfig {
  ShotDetectorParams detector;
  double similarity_threshold = 0.7;  // cv::compareHist HISTCMP_CORREL of two shot signatures, -1..1
  int link_window = 2;                // a shot links to the next `link_window` shots at most
  double signature_fps = 4.0;         // frames per second whose histograms make the shot signatures
  int max_size = 256;
};

// Throws Error(kUsage) for unknown keys or bad values.
ScenesConfig parse_scenes_settings(const nlohmann::json& settings);

// Normalised (sum 1) 8x4x4 H,S,V histogram of an RGB CV_8UC3 image, CV_32F.
cv::Mat colour_signature(const cv::Mat& rgb);

// Scene grouping of `shots` with one signature each (same order). Returns, for every scene, the index
// of its first shot; pure, for tests.
std::vector<size_t> group_scenes(const std::vector<cv::Mat>& signatures, double similarity_threshold, int link_window);

class ScenesAnalyzer final : public Analyzer {
 public:
  std::string name() const override { return "scenes"; }
  std::string description() const override;
  AnalyzerNeeds needs(const AnalyzerContext& context) const override;
  void begin(const AnalyzerContext& context) override;
  void process(const SegmentInput& input) override;
  nlohmann::json finish() override;

 private:
  struct SignatureSample {
    double time_s = 0;
    cv::Mat histogram;  // 128 floats
  };
  std::vector<cv::Mat> shot_signatures(const std::vector<ShotSpan>& shots) const;

  ScenesConfig config_;
  std::optional<ShotDetector> detector_;
  std::vector<SignatureSample> samples_;  // grows with the video: 512 bytes per sample
  double next_sample_s_ = 0;
  std::int64_t last_frame_index_ = -1;
  double video_end_s_ = 0;
};

}  // namespace vidscope::analyzers
