#pragma once
// composition: per segment, from a few frames fitted into 320x320: where the salient content sits
// relative to the rule-of-thirds lines and their intersections, how far its centroid is from the
// centre, left-right mirror symmetry, and the tilt of the dominant near-horizontal line (the horizon).
// Saliency is OpenCV's spectral residual (Hou & Zhang 2007, contrib module `saliency`). See
// docs/analyzers.md.
#include <optional>

#include <opencv2/core.hpp>

#include "analyzers/analyzer.h"

namespace cv::saliency {
class StaticSaliencySpectralResidual;
}

namespace vidscope::analyzers {

struct CompositionConfig {
  int frames_per_segment = 3;
  int max_size = 320;
  double max_horizon_deg = 30;       // lines steeper than this are not horizon candidates
  double min_horizon_length = 0.3;   // shortest horizon candidate, as a share of the frame width
};

// Throws Error(kUsage) for unknown keys or bad values.
CompositionConfig parse_composition_settings(const nlohmann::json& settings);

struct FrameComposition {
  double thirds_lines_share = 0;   // saliency mass within 1/18 of the frame size of a third line
  double thirds_points_score = 0;  // saliency-weighted closeness to the nearest thirds intersection, 0..1
  double centroid_x = 0.5;         // saliency centroid, 0..1 from the left / top
  double centroid_y = 0.5;
  double center_offset = 0;        // centroid's distance from the centre / half-diagonal, 0..1
  double symmetry = 1;             // correlation of the picture with its mirror image, -1..1
  std::optional<double> horizon_tilt_deg;  // counter-clockwise positive; nullopt: no candidate line
};

// Saliency map of an RGB CV_8UC3 frame: CV_32F, same size, non-negative. Not thread-safe (one per thread).
class SaliencyMap {
 public:
  SaliencyMap();
  cv::Mat compute(const cv::Mat& rgb);

 private:
  cv::Ptr<cv::saliency::StaticSaliencySpectralResidual> spectral_residual_;
};

// `saliency` from SaliencyMap::compute for the same frame.
FrameComposition measure_composition(const cv::Mat& rgb, const cv::Mat& saliency, const CompositionConfig& config);

class CompositionAnalyzer final : public Analyzer {
 public:
  std::string name() const override { return "composition"; }
  std::string description() const override;
  AnalyzerNeeds needs(const AnalyzerContext& context) const override;
  void begin(const AnalyzerContext& context) override;
  void process(const SegmentInput& input) override;
  nlohmann::json finish() override;

 private:
  CompositionConfig config_;
  std::optional<SaliencyMap> saliency_;
  nlohmann::json segments_ = nlohmann::json::array();
  std::vector<FrameComposition> all_frames_summary_;  // one entry per segment (its mean); small
};

}  // namespace vidscope::analyzers
