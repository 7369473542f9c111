#pragma once
// `vidscope describe --device auto`: one request planned as an analysis step is, before the model
// loads. The request's own visual workload (its images or sampled frames at the sizes the processor
// will give them) is priced against this machine's free RAM and GPU memory; the plan's tier picks the
// device, the precision and, when the GPU holds only part of the model, the layer split.
#include <cstdint>
#include <filesystem>

#include "memory/load_plan.h"
#include "vlm/vlm_engine.h"

namespace vidscope::pipeline {

struct DescribeRequestShape {
  enum class Kind { kImage, kPair, kVideo };
  Kind kind = Kind::kImage;
  int frames = 1;      // images (1 or 2) or sampled video frames
  int width = 0;       // of the largest image / of the frames
  int height = 0;
  std::int64_t max_new_tokens = 256;
};

struct DescribePlan {
  memory::LoadPlan plan;
  vlm::EngineOptions engine;  // engine_options_for(plan); threads and ledger left to the caller
};

// Throws Error(kInput) for an unreadable model folder, Error(kUsage) for an impossible shape, and
// Error(kBudget) with the planner's reasons when nothing fits (nothing is loaded then).
DescribePlan plan_describe(const std::filesystem::path& model_dir, const DescribeRequestShape& shape);

}  // namespace vidscope::pipeline
