#pragma once
// Planner internals: one step down the workload-shrinking order (docs/memory-model.md, "Shrinking"):
// halve the batch; then halve the temporal patches per segment; then halve the visual tokens per
// temporal patch (fewer pixels per frame). Each step keeps the floors in PlannerOptions.
#include <optional>
#include <string>

#include "memory/planner_inputs.h"

namespace vidscope::memory {

struct ShrinkStep {
  Workload workload;        // frame_buffer_bytes scaled with the patches of the batch
  std::string description;  // "batch 4 -> 2 segments"
};

// nullopt when `current` is already at every floor.
std::optional<ShrinkStep> shrink_workload(const Workload& current, const PlannerOptions& options,
                                          std::uint32_t merge_size);

}  // namespace vidscope::memory
