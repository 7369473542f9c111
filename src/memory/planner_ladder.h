#pragma once
// Planner internals: the precision/placement ladder for one VLM at one workload shape.
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "memory/load_plan.h"
#include "memory/model_footprint.h"
#include "memory/planner_device_usage.h"
#include "memory/weight_precision.h"

namespace vidscope::memory {

// Weights at every precision, computed once per plan (they do not depend on the workload).
struct ModelWeights {
  std::array<WeightBreakdown, 3> at;  // indexed by Precision
  WeightBreakdown stored;             // memory-mapped checkpoint
  const WeightBreakdown& operator[](Precision p) const { return at[static_cast<std::size_t>(p)]; }
};

ModelWeights compute_model_weights(const ModelFootprint& model, const QuantPolicy& policy);

struct LadderInput {
  const ModelFootprint* model = nullptr;
  const ModelWeights* weights = nullptr;
  const PlannerOptions* options = nullptr;
  const DeviceCapacity* cpu = nullptr;
  const DeviceCapacity* gpu = nullptr;  // the GPU with the most room; nullptr when there is none
  Workload workload;                    // frame_buffer_bytes already scaled to this shape
};

struct LadderChoice {
  PlanTier tier = PlanTier::kNone;
  Precision precision = Precision::kBf16;
  bool weights_mapped = false;
  std::uint32_t layers_on_gpu = 0;
  bool vision_on_gpu = false;
  DeviceOutcome cpu;
  DeviceOutcome gpu;  // empty when nothing is on a GPU
  Bytes gpu_weights = 0;
  Bytes cpu_weights = 0;
};

struct LadderResult {
  std::optional<LadderChoice> choice;
  std::vector<RejectedTier> rejected;  // every tier tried before the choice (all of them if none fits)
};

LadderResult walk_ladder(const LadderInput& input);

}  // namespace vidscope::memory
