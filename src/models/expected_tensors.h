#pragma once
// The tensors a Qwen2-VL / Qwen2.5-VL checkpoint must hold, with shapes derived from its config, and a
// check of a checkpoint against them (used by `models verify` and before loading).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "models/checkpoint_tensors.h"
#include "models/vlm_config.h"

namespace vidscope::models {

// Canonical name -> expected shape ([out, in] for linear weights, as stored by PyTorch).
std::map<std::string, std::vector<std::int64_t>> expected_tensor_shapes(const VlmConfig& config);

struct TensorProblem {
  enum class Kind { kMissing, kWrongShape, kUnsupportedDType, kUnexpected };
  Kind kind;
  std::string name;     // canonical name (checkpoint name for kUnexpected)
  std::string message;  // one readable line
};

// Every expected tensor present with the expected shape and a loadable dtype (F32/F16/BF16); checkpoint
// tensors no layer uses are listed as kUnexpected. An empty result means the checkpoint fits the config.
std::vector<TensorProblem> check_checkpoint_tensors(const VlmConfig& config, const CheckpointTensors& tensors);

// Throws vidscope::Error (kind input) naming `folder` and listing up to 8 problems (all but kUnexpected);
// returns normally when none.
void require_checkpoint_matches(const VlmConfig& config, const CheckpointTensors& tensors, const std::string& folder);

std::string shape_to_string(const std::vector<std::int64_t>& shape);

}  // namespace vidscope::models
