#pragma once
// color: per segment, the dominant colours (k-means in CIE Lab) and brightness, contrast, saturation,
// colourfulness and warm/cool shares of three frames fitted into 320x320; plus a whole-video summary
// weighted by segment duration. See docs/analyzers.md.
#include <vector>

#include "analyzers/analyzer.h"
#include "analyzers/color_stats.h"

namespace vidscope::analyzers {

struct ColorConfig {
  ColorParams params;
  int frames_per_segment = 3;
  int max_size = 320;
};

// Throws Error(kUsage) for unknown keys or bad values.
ColorConfig parse_color_settings(const nlohmann::json& settings);

class ColorAnalyzer final : public Analyzer {
 public:
  std::string name() const override { return "color"; }
  std::string description() const override;
  AnalyzerNeeds needs(const AnalyzerContext& context) const override;
  void begin(const AnalyzerContext& context) override;
  void process(const SegmentInput& input) override;
  nlohmann::json finish() override;

 private:
  struct SegmentColors {
    double duration_s = 0;
    ColorStats stats;
  };
  nlohmann::json summary_json() const;

  ColorConfig config_;
  nlohmann::json segments_ = nlohmann::json::array();
  std::vector<SegmentColors> measured_;  // only segments that had frames; small (no pixels kept)
};

}  // namespace vidscope::analyzers
