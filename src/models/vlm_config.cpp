#include "models/vlm_config.h"

#include <array>
#include <numeric>

#include "base/error.h"
#include "models/json_file.h"

namespace vidscope::models {
namespace {

struct SupportedModel {
  VlmFamily family;
  std::string_view architecture;
  std::string_view model_type;
};

constexpr std::array<SupportedModel, 2> kSupported{{
    {VlmFamily::kQwen2VL, "Qwen2VLForConditionalGeneration", "qwen2_vl"},
    {VlmFamily::kQwen25VL, "Qwen2_5_VLForConditionalGeneration", "qwen2_5_vl"},
}};

std::string supported_list() {
  std::string text;
  for (const auto& model : kSupported) {
    text += (text.empty() ? "" : ", ") + std::string(model.architecture) + " (" + std::string(model.model_type) + ")";
  }
  return text;
}

// Text keys live in "text_config" (transformers 5) or at the top level (4.x); text_config wins.
class TextKeys {
 public:
  explicit TextKeys(const JsonObject& top) : top_(top), text_(top.object("text_config")) {}

  std::optional<std::int64_t> optional_int(std::string_view key) const {
    if (text_ && text_->has(key)) return text_->optional_int(key);
    return top_.optional_int(key);
  }
  std::int64_t required_int(std::string_view key) const {
    if (auto value = optional_int(key)) return *value;
    fail_missing(key);
  }
  std::optional<double> optional_number(std::string_view key) const {
    if (text_ && text_->has(key)) return text_->optional_number(key);
    return top_.optional_number(key);
  }
  std::optional<bool> optional_bool(std::string_view key) const {
    if (top_.has(key)) return top_.optional_bool(key);  // the model class reads the top-level flag
    return text_ ? text_->optional_bool(key) : std::nullopt;
  }
  std::optional<std::string> optional_string(std::string_view key) const {
    if (text_ && text_->has(key)) return text_->optional_string(key);
    return top_.optional_string(key);
  }
  // rope settings: "rope_parameters" (5.x) or "rope_scaling" (4.x), in text_config or at the top.
  std::optional<JsonObject> rope_object() const {
    for (const JsonObject* scope : {text_ ? &*text_ : nullptr, &top_}) {
      if (scope == nullptr) continue;
      for (std::string_view key : {"rope_parameters", "rope_scaling"}) {
        if (auto object = scope->object(key)) return object;
      }
    }
    return std::nullopt;
  }
  [[noreturn]] void fail_missing(std::string_view key) const {
    throw_input_error(top_.file() + ": \"" + std::string(key) + "\" is missing (looked in \"text_config\" and at the top level)");
  }

 private:
  const JsonObject& top_;
  std::optional<JsonObject> text_;
};

TextModelConfig parse_text(const JsonObject& top) {
  const TextKeys keys(top);
  TextModelConfig text;
  text.hidden_size = keys.required_int("hidden_size");
  text.num_hidden_layers = keys.required_int("num_hidden_layers");
  text.num_attention_heads = keys.required_int("num_attention_heads");
  text.num_key_value_heads = keys.optional_int("num_key_value_heads").value_or(text.num_attention_heads);
  text.intermediate_size = keys.required_int("intermediate_size");
  text.vocab_size = keys.required_int("vocab_size");
  text.max_position_embeddings = keys.required_int("max_position_embeddings");
  if (auto eps = keys.optional_number("rms_norm_eps")) text.rms_norm_eps = *eps;
  else keys.fail_missing("rms_norm_eps");
  text.hidden_act = keys.optional_string("hidden_act").value_or("silu");
  text.tie_word_embeddings = keys.optional_bool("tie_word_embeddings").value_or(false);
  const auto head_dim = keys.optional_int("head_dim");
  text.head_dim = head_dim ? *head_dim
                           : (text.num_attention_heads > 0 ? text.hidden_size / text.num_attention_heads : 0);

  const auto rope = keys.rope_object();
  if (auto theta = keys.optional_number("rope_theta")) text.rope_theta = *theta;
  else if (rope && rope->has("rope_theta")) text.rope_theta = *rope->optional_number("rope_theta");
  else keys.fail_missing("rope_theta");
  if (!rope || !rope->has("mrope_section")) {
    throw_input_error(top.file() + ": no \"mrope_section\" in \"rope_scaling\" or \"rope_parameters\" "
                      "(Qwen2-VL models use multimodal rotary embeddings)");
  }
  text.mrope_section = *rope->optional_int_list("mrope_section");
  return text;
}

VisionModelConfig parse_vision(const JsonObject& top, VlmFamily family) {
  const auto vision_object = top.object("vision_config");
  if (!vision_object) throw_input_error(top.file() + ": \"vision_config\" is missing");
  const JsonObject& v = *vision_object;
  VisionModelConfig vision;
  vision.depth = v.required_int("depth");
  vision.num_heads = v.required_int("num_heads");
  vision.patch_size = v.optional_int("patch_size").value_or(v.optional_int("spatial_patch_size").value_or(0));
  if (vision.patch_size == 0) v.fail("patch_size", "is missing");
  vision.spatial_merge_size = v.required_int("spatial_merge_size");
  vision.temporal_patch_size = v.required_int("temporal_patch_size");
  vision.in_channels = v.optional_int("in_channels").value_or(v.optional_int("in_chans").value_or(0));
  if (vision.in_channels == 0) v.fail("in_chans", "is missing (also looked for \"in_channels\")");

  if (family == VlmFamily::kQwen2VL) {
    vision.embed_dim = v.required_int("embed_dim");
    vision.out_hidden_size = v.required_int("hidden_size");
    if (auto ratio = v.optional_number("mlp_ratio")) {
      vision.intermediate_size = static_cast<std::int64_t>(static_cast<double>(vision.embed_dim) * *ratio);
    } else {
      vision.intermediate_size = v.required_int("intermediate_size");
    }
    vision.hidden_act = v.optional_string("hidden_act").value_or("quick_gelu");  // class default
    vision.norm = VisionNorm::kLayerNorm;
    vision.mlp = VisionMlp::kFc1Fc2;
  } else {
    vision.embed_dim = v.required_int("hidden_size");
    vision.out_hidden_size = v.required_int("out_hidden_size");
    vision.intermediate_size = v.required_int("intermediate_size");
    vision.hidden_act = v.optional_string("hidden_act").value_or("silu");  // class default
    vision.norm = VisionNorm::kRmsNorm;
    vision.mlp = VisionMlp::kGatedGateUpDown;
    vision.window_size = v.required_int("window_size");
    vision.fullatt_block_indexes = v.optional_int_list("fullatt_block_indexes").value_or(std::vector<std::int64_t>{});
    vision.tokens_per_second = v.optional_number("tokens_per_second");
  }
  return vision;
}

VisionTokenIds parse_token_ids(const JsonObject& top) {
  const TextKeys keys(top);
  return VisionTokenIds{
      .image_token_id = keys.required_int("image_token_id"),
      .video_token_id = keys.required_int("video_token_id"),
      .vision_start_token_id = keys.required_int("vision_start_token_id"),
      .vision_end_token_id = keys.required_int("vision_end_token_id"),
  };
}

[[noreturn]] void invalid(const std::string& file, const std::string& what) {
  throw_input_error(file + ": " + what);
}

void require_positive(const std::string& file, std::string_view name, std::int64_t value) {
  if (value <= 0) invalid(file, std::string(name) + " must be positive, got " + std::to_string(value));
}

}  // namespace

std::string_view vlm_family_name(VlmFamily family) {
  return family == VlmFamily::kQwen2VL ? "Qwen2-VL" : "Qwen2.5-VL";
}

VlmConfig parse_vlm_config(const nlohmann::json& json, const std::string& file) {
  const JsonObject top(json, file);
  VlmConfig config;
  config.model_type = top.optional_string("model_type").value_or("");
  if (auto architectures = top.raw().find("architectures");
      architectures != top.raw().end() && architectures->is_array() && !architectures->empty() &&
      (*architectures)[0].is_string()) {
    config.architecture = (*architectures)[0].get<std::string>();
  }
  const SupportedModel* match = nullptr;
  for (const auto& model : kSupported) {
    if (config.model_type == model.model_type ||
        (config.model_type.empty() && config.architecture == model.architecture)) {
      match = &model;
    }
  }
  if (match == nullptr) {
    invalid(file, "model architecture '" + (config.architecture.empty() ? "(none)" : config.architecture) +
                      "' with model_type '" + (config.model_type.empty() ? "(none)" : config.model_type) +
                      "' is not supported; supported: " + supported_list());
  }
  config.family = match->family;
  if (config.architecture.empty()) config.architecture = match->architecture;
  config.model_type = match->model_type;
  config.torch_dtype = top.optional_string("torch_dtype").value_or(top.optional_string("dtype").value_or(""));
  config.text = parse_text(top);
  config.vision = parse_vision(top, config.family);
  config.tokens = parse_token_ids(top);
  validate_vlm_config(config, file);
  return config;
}

VlmConfig load_vlm_config(const std::filesystem::path& config_json) {
  return parse_vlm_config(read_json_file(config_json), config_json.string());
}

void validate_vlm_config(const VlmConfig& config, const std::string& file) {
  const auto& t = config.text;
  require_positive(file, "hidden_size", t.hidden_size);
  require_positive(file, "num_hidden_layers", t.num_hidden_layers);
  require_positive(file, "num_attention_heads", t.num_attention_heads);
  require_positive(file, "num_key_value_heads", t.num_key_value_heads);
  require_positive(file, "intermediate_size", t.intermediate_size);
  require_positive(file, "vocab_size", t.vocab_size);
  require_positive(file, "max_position_embeddings", t.max_position_embeddings);
  if (!(t.rms_norm_eps > 0)) invalid(file, "rms_norm_eps must be positive");
  if (!(t.rope_theta > 0)) invalid(file, "rope_theta must be positive");
  if (t.hidden_size % t.num_attention_heads != 0 && t.head_dim * t.num_attention_heads != t.hidden_size) {
    invalid(file, "num_attention_heads " + std::to_string(t.num_attention_heads) + " does not divide hidden_size " +
                      std::to_string(t.hidden_size));
  }
  require_positive(file, "head_dim", t.head_dim);
  if (t.head_dim % 2 != 0) invalid(file, "head_dim " + std::to_string(t.head_dim) + " must be even for rotary embeddings");
  if (t.num_attention_heads % t.num_key_value_heads != 0) {
    invalid(file, "num_key_value_heads " + std::to_string(t.num_key_value_heads) +
                      " does not divide num_attention_heads " + std::to_string(t.num_attention_heads));
  }
  std::int64_t mrope_sum = 0;
  for (std::int64_t section : t.mrope_section) {
    require_positive(file, "each mrope_section entry", section);
    mrope_sum += section;
  }
  if (t.mrope_section.size() != 3 || mrope_sum != t.head_dim / 2) {
    invalid(file, "mrope_section must have 3 entries summing to head_dim / 2 = " + std::to_string(t.head_dim / 2) +
                      ", got " + std::to_string(t.mrope_section.size()) + " entries summing to " +
                      std::to_string(mrope_sum));
  }

  const auto& v = config.vision;
  require_positive(file, "vision_config.depth", v.depth);
  require_positive(file, "vision_config embed width", v.embed_dim);
  require_positive(file, "vision_config.num_heads", v.num_heads);
  require_positive(file, "vision_config MLP width", v.intermediate_size);
  require_positive(file, "vision_config.patch_size", v.patch_size);
  require_positive(file, "vision_config.spatial_merge_size", v.spatial_merge_size);
  require_positive(file, "vision_config.temporal_patch_size", v.temporal_patch_size);
  require_positive(file, "vision_config.in_chans", v.in_channels);
  require_positive(file, "vision_config merger output width", v.out_hidden_size);
  if (v.embed_dim % v.num_heads != 0 || (v.embed_dim / v.num_heads) % 2 != 0) {
    invalid(file, "vision_config: num_heads " + std::to_string(v.num_heads) + " must divide the width " +
                      std::to_string(v.embed_dim) + " into an even head size");
  }
  if (v.out_hidden_size != t.hidden_size) {
    invalid(file, "vision merger output width " + std::to_string(v.out_hidden_size) +
                      " differs from the language model hidden_size " + std::to_string(t.hidden_size));
  }
  if (config.family == VlmFamily::kQwen25VL) {
    require_positive(file, "vision_config.window_size", v.window_size);
    for (std::int64_t index : v.fullatt_block_indexes) {
      if (index < 0 || index >= v.depth) {
        invalid(file, "vision_config.fullatt_block_indexes entry " + std::to_string(index) + " is outside 0.." +
                          std::to_string(v.depth - 1));
      }
    }
  }
}

}  // namespace vidscope::models
