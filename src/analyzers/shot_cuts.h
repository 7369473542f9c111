#pragma once
// shot_cuts: hard cuts, gradual transitions (fades, dissolves) and the resulting shot list, from every
// frame downscaled to fit 256x256. See docs/analyzers.md for the method, settings and output fields.
#include <optional>

#include "analyzers/analyzer.h"
#include "analyzers/shot_detector.h"

namespace vidscope::analyzers {

struct ShotCutsConfig {
  ShotDetectorParams detector;
  int max_size = 256;  // analysis frames fit inside max_size x max_size
};

// Reads the analyzer's settings object; throws Error(kUsage) for unknown keys or bad values.
ShotCutsConfig parse_shot_cuts_settings(const nlohmann::json& settings);

class ShotCutsAnalyzer final : public Analyzer {
 public:
  std::string name() const override { return "shot_cuts"; }
  std::string description() const override;
  AnalyzerNeeds needs(const AnalyzerContext& context) const override;
  void begin(const AnalyzerContext& context) override;
  void process(const SegmentInput& input) override;
  nlohmann::json finish() override;

 private:
  nlohmann::json shots_json() const;

  ShotCutsConfig config_;
  std::optional<ShotDetector> detector_;
  std::int64_t last_frame_index_ = -1;  // frames are each analysed once, even if delivered twice
  double video_end_s_ = 0;
};

}  // namespace vidscope::analyzers
