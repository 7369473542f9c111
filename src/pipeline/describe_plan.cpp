#include "pipeline/describe_plan.h"

#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "base/error.h"
#include "memory/probe.h"
#include "models/processing_config.h"
#include "pipeline/vlm_engine_plan.h"
#include "pipeline/vlm_host.h"
#include "vlm/segment_workload.h"
#include "vlm/smart_resize.h"

namespace vidscope::pipeline {

namespace {

// Prompt tokens besides the visual ones: the chat template, the default instruction (the pair's is
// the longest, about 80 tokens) and room for a user's own question.
constexpr std::uint32_t kPromptTextTokens = 160;
// Processor bounds of the released checkpoints, for folders without preprocessor_config.json (as the
// engine assumes, vlm_engine.cpp).
constexpr double kDefaultMinPixels = 56.0 * 56.0;
constexpr double kDefaultMaxPixels = 28.0 * 28.0 * 16384.0;

}  // namespace

DescribePlan plan_describe(const std::filesystem::path& model_dir, const DescribeRequestShape& shape) {
  double min_pixels = kDefaultMinPixels, max_pixels = kDefaultMaxPixels;
  const auto pp_path = model_dir / "preprocessor_config.json";
  if (std::filesystem::is_regular_file(pp_path)) {
    const models::PreprocessorConfig pp = models::load_preprocessor_config(pp_path);
    min_pixels = static_cast<double>(pp.min_pixels);
    max_pixels = static_cast<double>(pp.max_pixels);
  }
  vlm::SegmentVisualRequest visual;
  visual.frames = shape.frames;
  visual.frame_width = shape.width;
  visual.frame_height = shape.height;
  visual.min_pixels = min_pixels;
  visual.prompt_text_tokens = kPromptTextTokens;
  visual.max_new_tokens = static_cast<std::uint32_t>(std::clamp<std::int64_t>(shape.max_new_tokens, 1, 1 << 20));
  if (shape.kind == DescribeRequestShape::Kind::kVideo) {
    // The engine's video rule (qwen-vl-utils): a total pixel budget shared by the frames.
    visual.layout = vlm::FrameLayout::kVideo;
    const vlm::VideoPixelBudget budget;
    visual.max_pixels = vlm::video_frame_max_pixels(budget, std::max(1, shape.frames));
    visual.min_pixels = std::min(budget.min_pixels, visual.max_pixels);
  } else {
    visual.layout = vlm::FrameLayout::kImages;
    visual.max_pixels = max_pixels;
  }

  VlmHostOptions host;
  host.model_dir = model_dir;
  host.workload = vlm::segment_workload(visual);
  host.budget.ram_bytes = memory::ram_capacity();  // the GPU's limit: its free memory (no budget)
  DescribePlan out;
  out.plan = VlmHost::plan(host);
  if (!out.plan.feasible) {
    std::string why;
    for (const auto& reason : out.plan.reasons) why += "\n  " + reason;
    throw_budget_error(fmt::format("the model in {} does not fit this machine for this request, so it was not "
                                   "loaded: {}{}",
                                   model_dir.string(), out.plan.summary, why));
  }
  out.engine = engine_options_for(out.plan, "vlm");
  return out;
}

}  // namespace vidscope::pipeline
