#pragma once
// visual_effects: editing effects found from every frame (fitted into 256x256, the shot_cuts stream):
// fades to/from black or white and flashes (from the mean-luma trajectory, luma_events.h), freeze
// frames (consecutive frames that do not change) and split screens (a straight edge through the frame
// centre across the whole frame, persisting). Speed changes are not detected (docs/analyzers.md says
// why). See docs/analyzers.md.
#include <optional>
#include <vector>

#include <opencv2/core.hpp>

#include "analyzers/analyzer.h"
#include "analyzers/repeat_cadence.h"
#include "analyzers/luma_events.h"

namespace vidscope::analyzers {

struct VisualEffectsConfig {
  LumaEventParams luma;
  RepeatCadenceParams slow_motion;
  double freeze_max_mean_diff = 1.0;      // mean |luma difference| to the previous frame, levels
  double freeze_max_changed_share = 0.002; // share of pixels changing by more than 8 levels
  double min_freeze_s = 0.5;
  double split_edge_levels = 20;          // a seam step at least this large in a row counts for it
  double split_min_coverage = 0.8;        // share of rows (columns) the seam must cross
  double min_split_s = 1.0;
  int max_size = 256;
};

// Throws Error(kUsage) for unknown keys or bad values.
VisualEffectsConfig parse_visual_effects_settings(const nlohmann::json& settings);

struct SplitEvidence {
  bool vertical = false;    // a seam from top to bottom near x = width / 2
  bool horizontal = false;  // a seam from left to right near y = height / 2
};

// `gray`: CV_8UC1.
SplitEvidence find_split_seams(const cv::Mat& gray, double edge_levels, double min_coverage);

class VisualEffectsAnalyzer final : public Analyzer {
 public:
  std::string name() const override { return "visual_effects"; }
  std::string description() const override;
  AnalyzerNeeds needs(const AnalyzerContext& context) const override;
  void begin(const AnalyzerContext& context) override;
  void process(const SegmentInput& input) override;
  nlohmann::json finish() override;

 private:
  // A run of frames that share a property, kept while it lasts; reported when long enough.
  struct Run {
    std::optional<double> start_s;
    double end_s = 0;
  };
  void extend(Run& run, bool present, double start_s, double time_s, double min_s, nlohmann::json& out,
              const char* orientation);
  void analyse_frame(const cv::Mat& rgb, double time_s);

  VisualEffectsConfig config_;
  std::vector<LumaSample> luma_;  // one per frame, 24 bytes: grows with the video (see docs)
  cv::Mat previous_gray_;
  double previous_time_s_ = 0;
  std::int64_t last_frame_index_ = -1;
  Run freeze_, split_vertical_, split_horizontal_;
  std::optional<RepeatCadenceTracker> cadence_;
  nlohmann::json freezes_ = nlohmann::json::array();
  nlohmann::json splits_ = nlohmann::json::array();
};

}  // namespace vidscope::analyzers
