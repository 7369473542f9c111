#pragma once
// Batched description with the loaded VLM, shared by vlm_segments and vlm_transitions: the pending
// items go through the engine in one batch; when a step runs out of memory (std::bad_alloc, or a
// budget error from an allocation), the step is retried smaller instead of failing the analyzer: the
// batch is split in halves, then a single item gets fewer frames, then fewer pixels, at most
// `max_retries` times per batch. Every retry is recorded for the report.
//
// Not thread-safe; one per analyzer.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analyzers/analyzer.h"
#include "vlm/vlm_engine.h"

namespace vidscope::analyzers {

// An image the analyzer keeps after the segment's frames are released.
struct OwnedImage {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgb;
  vlm::RgbImageView view() const { return {width, height, rgb}; }
};

struct VlmItem {
  std::string label;                  // names the item in retry records, e.g. "segment 4"
  vlm::VisualPrompt::Kind kind = vlm::VisualPrompt::Kind::kVideo;
  std::vector<OwnedImage> images;
  double sample_fps = 2.0;
  double max_pixels = 0;              // > 0
  std::string prompt;
};

struct VlmItemResult {
  vlm::Description description;
  double ms = 0;          // the batch's wall time divided by its size
  int batch_size = 0;     // how many items shared the generation step
  int frames_used = 0;    // after any retry
  double max_pixels = 0;  // after any retry
};

class VlmBatchRunner {
 public:
  VlmBatchRunner(vlm::VlmEngine& engine, vlm::DescribeOptions options, int max_retries = 4);

  // Results in the order of `items`. Throws Error(kBudget) when the retries are exhausted, naming the
  // items and the last error.
  std::vector<VlmItemResult> describe(std::vector<VlmItem> items);

  // [{"items", "error", "action"}], in the order they happened.
  const nlohmann::json& retries() const { return retries_; }

 private:
  void run(std::vector<VlmItem>& items, std::size_t begin, std::size_t end, std::vector<VlmItemResult>& out,
           int& retries_left);

  vlm::VlmEngine& engine_;
  vlm::DescribeOptions options_;
  int max_retries_;
  nlohmann::json retries_ = nlohmann::json::array();
};

// Why a VLM analyzer has no engine in `context` (for its "skipped" result).
std::string vlm_skip_reason(const AnalyzerContext& context);

// Copies a frame's pixels (frames belong to the pipeline and are released after the segment).
OwnedImage copy_image(int width, int height, const std::vector<std::uint8_t>& rgb);

}  // namespace vidscope::analyzers
