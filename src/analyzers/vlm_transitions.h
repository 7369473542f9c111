#pragma once
// vlm_transitions: for every hard cut, the last frame before it and the first frame after it go to the
// VLM as a pair, which answers with a transition prompt (what tools that chain generated clips need).
// Cuts are found with the same detector and defaults as shot_cuts, on the frames this analyzer
// receives; pairs are described in batches. Skipped, with the reason, without a VLM. The same prompt
// on two image files is `vidscope describe --pair`. See docs/analyzers.md.
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "analyzers/analyzer.h"
#include "analyzers/shot_cuts.h"
#include "analyzers/vlm_batch_runner.h"

namespace vidscope::analyzers {

struct VlmTransitionsConfig {
  double max_pixels = 336.0 * 336.0;
  int batch = 8;
  int max_new_tokens = 64;
  std::string prompt;         // empty: the engine's transition prompt
  ShotCutsConfig cuts;        // detector settings, as for shot_cuts ("threshold", "method", ...)
  int max_transitions = 500;  // a video cut every few frames would otherwise queue thousands of pairs
};

// Accepts max_pixels, batch, max_new_tokens, prompt, max_transitions and every shot_cuts setting.
VlmTransitionsConfig parse_vlm_transitions_settings(const nlohmann::json& settings);

class VlmTransitionsAnalyzer final : public Analyzer {
 public:
  std::string name() const override { return "vlm_transitions"; }
  std::string description() const override;
  AnalyzerNeeds needs(const AnalyzerContext& context) const override;
  void begin(const AnalyzerContext& context) override;
  void process(const SegmentInput& input) override;
  nlohmann::json finish() override;

 private:
  struct Recent {
    std::int64_t index = 0;
    double time_s = 0;
    OwnedImage image;
  };
  struct Pending {
    double cut_s = 0;
    double from_s = 0;
    double to_s = 0;
    VlmItem item;
  };
  void take_new_cuts();
  void describe_pending();
  const Recent* find_recent(std::int64_t index) const;

  VlmTransitionsConfig config_;
  std::uint32_t batch_ = 1;
  std::string skip_reason_;
  std::optional<VlmBatchRunner> runner_;
  std::optional<ShotDetector> detector_;
  std::deque<Recent> recent_;        // the last frames, by index, to find the pair once a cut is decided
  std::size_t cuts_taken_ = 0;
  std::int64_t last_index_ = -1;
  std::vector<Pending> pending_;
  nlohmann::json transitions_ = nlohmann::json::array();
  int dropped_ = 0;
};

}  // namespace vidscope::analyzers
