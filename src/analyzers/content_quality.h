#pragma once
// content_quality: technical picture quality per segment and for the whole video: sharpness (variance of
// the Laplacian), exposure clipping, a noise estimate, 8x8 block artefacts, plus resolution and bitrate
// from the container. Frames come at the video's own resolution by default, because blocking and noise
// live on the coded pixel grid and downscaling hides both. See docs/analyzers.md.
#include "analyzers/analyzer.h"

#include <opencv2/core.hpp>

namespace vidscope::analyzers {

struct ContentQualityConfig {
  int frames_per_segment = 2;
  int max_size = 0;  // 0: native resolution (see the header comment)
};

// Throws Error(kUsage) for unknown keys or bad values.
ContentQualityConfig parse_content_quality_settings(const nlohmann::json& settings);

struct FrameQuality {
  double sharpness = 0;          // variance of the 3x3 Laplacian of BT.601 luma (0..255 scale)
  double black_clip_share = 0;   // share of pixels with luma <= 2
  double white_clip_share = 0;   // share of pixels with luma >= 253
  double noise_sigma = 0;        // estimated std of additive noise, luma levels
  double blockiness = 1;         // mean step across 8-pixel block boundaries / mean step elsewhere
};

// `rgb`: CV_8UC3 R,G,B, any size >= 3x3 (smaller gives the neutral defaults).
FrameQuality measure_frame_quality(const cv::Mat& rgb);

class ContentQualityAnalyzer final : public Analyzer {
 public:
  std::string name() const override { return "content_quality"; }
  std::string description() const override;
  AnalyzerNeeds needs(const AnalyzerContext& context) const override;
  void begin(const AnalyzerContext& context) override;
  void process(const SegmentInput& input) override;
  nlohmann::json finish() override;

 private:
  ContentQualityConfig config_;
  media::VideoInfo video_;
  nlohmann::json segments_ = nlohmann::json::array();
  std::vector<FrameQuality> segment_means_;  // one per segment with frames; small
};

}  // namespace vidscope::analyzers
