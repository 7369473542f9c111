#pragma once
// A tiny checkpoint of tests/data/vlm opened the way the engine opens one: config, mapped weights,
// and the tensor view of them (for tests that load VlmWeights without the engine).
#include <string>

#include "models/checkpoint_tensors.h"
#include "models/vlm_config.h"
#include "models/weight_set.h"
#include "vlm/test_support.h"

namespace vidscope::vlm::test {

struct TestCheckpoint {
  explicit TestCheckpoint(const std::string& name)
      : dir(vlm_data_path(name)),
        config(models::load_vlm_config(dir + "/config.json")),
        weight_set(models::WeightSet::open_directory(dir)),
        tensors(weight_set, config.text.tie_word_embeddings) {}
  std::string dir;
  models::VlmConfig config;
  models::WeightSet weight_set;
  models::CheckpointTensors tensors;
};

}  // namespace vidscope::vlm::test
