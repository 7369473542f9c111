#pragma once
// vlm_segments: a description of every segment by the loaded VLM. Each segment's frames (default 3)
// go to the model as video (temporal pairs), as separate images or as one horizontal grid; segments are
// described in batches (one generation step advances the whole batch), batch size and frame size as
// the memory plan admitted. Skipped, with the reason, when no VLM is configured. See docs/analyzers.md.
#include <optional>
#include <string>
#include <vector>

#include "analyzers/analyzer.h"
#include "analyzers/vlm_batch_runner.h"
#include "vlm/segment_workload.h"

namespace vidscope::analyzers {

struct VlmSegmentsConfig {
  vlm::FrameLayout layout = vlm::FrameLayout::kVideo;
  int frames = 3;
  double max_pixels = 336.0 * 336.0;
  int batch = 8;
  int max_new_tokens = 64;
  std::string prompt = "Describe what happens in this video segment in one or two sentences.";
  bool greedy = true;  // false: the sampling of generation_config.json
};

// Throws Error(kUsage) for unknown keys or bad values.
VlmSegmentsConfig parse_vlm_segments_settings(const nlohmann::json& settings);

// The planner's request for `config` on `video` (text tokens of the prompt estimated generously).
vlm::SegmentVisualRequest vlm_segments_request(const VlmSegmentsConfig& config, const media::VideoInfo& video);

class VlmSegmentsAnalyzer final : public Analyzer {
 public:
  std::string name() const override { return "vlm_segments"; }
  std::string description() const override;
  AnalyzerNeeds needs(const AnalyzerContext& context) const override;
  void begin(const AnalyzerContext& context) override;
  void process(const SegmentInput& input) override;
  nlohmann::json finish() override;

 private:
  struct Pending {
    double t0 = 0;
    double t1 = 0;
    int index = 0;
    VlmItem item;
  };
  void describe_pending();

  VlmSegmentsConfig config_;
  vlm::SegmentVisualRequest admitted_;
  std::string skip_reason_;
  std::optional<VlmBatchRunner> runner_;
  std::vector<Pending> pending_;
  nlohmann::json segments_ = nlohmann::json::array();
  double generate_ms_ = 0;
  std::int64_t tokens_ = 0;
};

// Joins frames side by side (same height; narrower ones are letterboxed at the top), for the grid layout.
OwnedImage horizontal_grid(const std::vector<OwnedImage>& frames);

}  // namespace vidscope::analyzers
