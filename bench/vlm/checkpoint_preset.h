#pragma once
// The published configurations a random-weight checkpoint can imitate. Dimensions come from
// memory::qwen2vl_*_dims() (the planner's single source of truth); this file adds what config.json
// needs beyond them (architecture name, token ids, rotary settings, Qwen2.5-VL window layout).
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "memory/model_footprint.h"

namespace vidscope::bench {

struct CheckpointPreset {
  std::string name;  // "qwen2-vl-2b", ...
  memory::ModelDims dims;
};

// Throws vidscope::Error (usage) listing the known names.
CheckpointPreset checkpoint_preset(std::string_view name);
std::vector<std::string> checkpoint_preset_names();

// The three JSON files of a Hugging Face model folder, as the Hub snapshots write them.
nlohmann::json config_json(const memory::ModelDims& dims);
nlohmann::json preprocessor_config_json();
nlohmann::json generation_config_json();

}  // namespace vidscope::bench
