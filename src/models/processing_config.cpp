#include "models/processing_config.h"

#include "base/error.h"
#include "models/json_file.h"

namespace vidscope::models {
namespace {

std::array<double, 3> three_numbers(const JsonObject& object, std::string_view key) {
  const auto list = object.optional_number_list(key);
  if (!list) object.fail(key, "is missing");
  if (list->size() != 3) object.fail(key, "must have 3 entries (R, G, B), got " + std::to_string(list->size()));
  return {(*list)[0], (*list)[1], (*list)[2]};
}

std::int64_t pixel_bound(const JsonObject& top, std::string_view flat_key, std::string_view size_key) {
  if (auto value = top.optional_int(flat_key)) return *value;
  if (auto size = top.object("size")) {
    if (auto value = size->optional_int(size_key)) return *value;
  }
  top.fail(flat_key, "is missing (also looked for \"size." + std::string(size_key) + "\")");
}

}  // namespace

PreprocessorConfig parse_preprocessor_config(const nlohmann::json& json, const std::string& file) {
  const JsonObject top(json, file);
  PreprocessorConfig config;
  config.min_pixels = pixel_bound(top, "min_pixels", "shortest_edge");
  config.max_pixels = pixel_bound(top, "max_pixels", "longest_edge");
  config.patch_size = top.required_int("patch_size");
  config.merge_size = top.required_int("merge_size");
  config.temporal_patch_size = top.required_int("temporal_patch_size");
  config.image_mean = three_numbers(top, "image_mean");
  config.image_std = three_numbers(top, "image_std");
  config.rescale_factor = top.optional_number("rescale_factor").value_or(config.rescale_factor);

  for (auto [name, value] : {std::pair{"min_pixels", config.min_pixels}, {"max_pixels", config.max_pixels},
                             {"patch_size", config.patch_size}, {"merge_size", config.merge_size},
                             {"temporal_patch_size", config.temporal_patch_size}}) {
    if (value <= 0) top.fail(name, "must be positive, got " + std::to_string(value));
  }
  if (config.min_pixels > config.max_pixels) {
    throw_input_error(file + ": min_pixels " + std::to_string(config.min_pixels) + " exceeds max_pixels " +
                      std::to_string(config.max_pixels));
  }
  for (double std_value : config.image_std) {
    if (!(std_value > 0)) top.fail("image_std", "entries must be positive");
  }
  if (!(config.rescale_factor > 0)) top.fail("rescale_factor", "must be positive");
  return config;
}

PreprocessorConfig load_preprocessor_config(const std::filesystem::path& path) {
  return parse_preprocessor_config(read_json_file(path), path.string());
}

GenerationConfig parse_generation_config(const nlohmann::json& json, const std::string& file) {
  const JsonObject top(json, file);
  GenerationConfig config;
  if (top.has("eos_token_id")) {
    if (top.raw()["eos_token_id"].is_array()) config.eos_token_ids = *top.optional_int_list("eos_token_id");
    else config.eos_token_ids = {*top.optional_int("eos_token_id")};
  }
  config.pad_token_id = top.optional_int("pad_token_id");
  config.do_sample = top.optional_bool("do_sample");
  config.temperature = top.optional_number("temperature");
  config.top_k = top.optional_int("top_k");
  config.top_p = top.optional_number("top_p");
  config.repetition_penalty = top.optional_number("repetition_penalty");
  config.max_new_tokens = top.optional_int("max_new_tokens");

  for (std::int64_t id : config.eos_token_ids) {
    if (id < 0) top.fail("eos_token_id", "must not be negative");
  }
  if (config.temperature && *config.temperature < 0) top.fail("temperature", "must not be negative");
  if (config.top_k && *config.top_k < 0) top.fail("top_k", "must not be negative");
  if (config.top_p && !(*config.top_p > 0 && *config.top_p <= 1)) top.fail("top_p", "must be in (0, 1]");
  if (config.repetition_penalty && !(*config.repetition_penalty > 0)) {
    top.fail("repetition_penalty", "must be positive");
  }
  return config;
}

GenerationConfig load_generation_config(const std::filesystem::path& path) {
  return parse_generation_config(read_json_file(path), path.string());
}

}  // namespace vidscope::models
