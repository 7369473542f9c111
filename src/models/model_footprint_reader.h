#pragma once
// Describes a model directory for the memory planner without loading any weight: dimensions come from
// config.json and every tensor's shape and stored size from the safetensors headers (mapped, not read).
#include <filesystem>

#include "memory/model_footprint.h"
#include "models/vlm_config.h"
#include "models/weight_set.h"

namespace vidscope::models {

// Planner dimensions from a validated config.
memory::ModelDims planner_dims(const VlmConfig& config);

// The footprint of an opened checkpoint: one TensorSpec per stored tensor, grouped by role. A tied
// lm_head is not listed (it shares the embedding table). Throws Error(kInput) for a tensor name that is
// neither a vision nor a language-model tensor.
memory::ModelFootprint read_model_footprint(const std::filesystem::path& model_dir, const VlmConfig& config,
                                            const WeightSet& weights);

// Opens config.json and the safetensors headers of `model_dir` and describes them (Error(kInput) for
// missing or broken files, naming the directory and file).
memory::ModelFootprint read_model_footprint(const std::filesystem::path& model_dir);

}  // namespace vidscope::models
