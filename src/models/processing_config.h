#pragma once
// The two small side files of a model folder: preprocessor_config.json (image/video pixel bounds and
// normalization) and generation_config.json (stop tokens and sampling defaults).
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

namespace vidscope::models {

struct PreprocessorConfig {
  std::int64_t min_pixels = 0;  // "min_pixels" or "size.shortest_edge" (newer files)
  std::int64_t max_pixels = 0;  // "max_pixels" or "size.longest_edge"
  std::int64_t patch_size = 0;
  std::int64_t merge_size = 0;
  std::int64_t temporal_patch_size = 0;
  std::array<double, 3> image_mean{};
  std::array<double, 3> image_std{};
  double rescale_factor = 1.0 / 255.0;
};

struct GenerationConfig {
  std::vector<std::int64_t> eos_token_ids;  // "eos_token_id": one id or a list; may be empty
  std::optional<std::int64_t> pad_token_id;
  std::optional<bool> do_sample;
  std::optional<double> temperature;
  std::optional<std::int64_t> top_k;
  std::optional<double> top_p;
  std::optional<double> repetition_penalty;
  std::optional<std::int64_t> max_new_tokens;
};

// Both throw vidscope::Error (kind input) naming `file` for missing or mistyped keys and impossible
// values (non-positive sizes, min_pixels > max_pixels, a zero std, mean/std without 3 entries,
// a negative temperature, top_p outside (0, 1]).
PreprocessorConfig parse_preprocessor_config(const nlohmann::json& json, const std::string& file);
PreprocessorConfig load_preprocessor_config(const std::filesystem::path& path);
GenerationConfig parse_generation_config(const nlohmann::json& json, const std::string& file);
GenerationConfig load_generation_config(const std::filesystem::path& path);

}  // namespace vidscope::models
