#pragma once
// The architecture of a Qwen2-VL / Qwen2.5-VL checkpoint, read from its config.json. Every size comes from
// the file; nothing is looked up in a table of known models. Both config layouts are read:
//   transformers 4.x: text keys at the top level, "rope_scaling": {"type": "mrope", "mrope_section": [...]}
//   transformers 5.x: text keys in "text_config", "rope_parameters": {"rope_theta", "mrope_section", ...}
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace vidscope::models {

enum class VlmFamily { kQwen2VL, kQwen25VL };

struct TextModelConfig {
  std::int64_t hidden_size = 0;
  std::int64_t num_hidden_layers = 0;
  std::int64_t num_attention_heads = 0;
  std::int64_t num_key_value_heads = 0;
  std::int64_t head_dim = 0;  // "head_dim" when given, else hidden_size / num_attention_heads
  std::int64_t intermediate_size = 0;
  std::int64_t vocab_size = 0;
  double rms_norm_eps = 0;
  double rope_theta = 0;
  std::int64_t max_position_embeddings = 0;
  bool tie_word_embeddings = false;
  std::vector<std::int64_t> mrope_section;  // rotary frequency split (t, h, w); sums to head_dim / 2
  std::string hidden_act;
};

enum class VisionNorm { kLayerNorm, kRmsNorm };      // Qwen2-VL: LayerNorm with bias; 2.5: RMSNorm
enum class VisionMlp { kFc1Fc2, kGatedGateUpDown };  // Qwen2-VL: fc1/act/fc2; 2.5: SwiGLU with bias

struct VisionModelConfig {
  std::int64_t depth = 0;
  std::int64_t embed_dim = 0;  // Qwen2-VL "embed_dim", Qwen2.5-VL "hidden_size"
  std::int64_t num_heads = 0;
  std::int64_t intermediate_size = 0;  // Qwen2-VL embed_dim * mlp_ratio, Qwen2.5-VL "intermediate_size"
  std::int64_t patch_size = 0;
  std::int64_t spatial_merge_size = 0;
  std::int64_t temporal_patch_size = 0;
  std::int64_t in_channels = 0;
  std::int64_t out_hidden_size = 0;  // merger output: Qwen2-VL "hidden_size", Qwen2.5-VL "out_hidden_size"
  std::string hidden_act;
  VisionNorm norm = VisionNorm::kLayerNorm;
  VisionMlp mlp = VisionMlp::kFc1Fc2;
  // Qwen2.5-VL only (0 / empty for Qwen2-VL).
  std::int64_t window_size = 0;
  std::vector<std::int64_t> fullatt_block_indexes;
  std::optional<double> tokens_per_second;
};

struct VisionTokenIds {
  std::int64_t image_token_id = 0;
  std::int64_t video_token_id = 0;
  std::int64_t vision_start_token_id = 0;
  std::int64_t vision_end_token_id = 0;
};

struct VlmConfig {
  VlmFamily family = VlmFamily::kQwen2VL;
  std::string architecture;  // e.g. "Qwen2VLForConditionalGeneration"
  std::string model_type;    // "qwen2_vl" or "qwen2_5_vl"
  std::string torch_dtype;   // as written ("bfloat16"), empty when absent
  TextModelConfig text;
  VisionModelConfig vision;
  VisionTokenIds tokens;
};

// Parses config.json text already loaded as JSON; `file` names it in errors. Throws vidscope::Error
// (kind input) for an unsupported architecture (the message lists the supported ones), a missing or
// mistyped key, or sizes that do not fit together (validate_vlm_config).
VlmConfig parse_vlm_config(const nlohmann::json& config, const std::string& file);
VlmConfig load_vlm_config(const std::filesystem::path& config_json);

// Throws vidscope::Error (kind input) naming `file` when a dimension is not positive, heads do not
// divide the width, kv heads do not divide heads, mrope_section does not sum to head_dim / 2, the
// merger output differs from the text width, or a full-attention block index is out of range.
void validate_vlm_config(const VlmConfig& config, const std::string& file);

std::string_view vlm_family_name(VlmFamily family);

}  // namespace vidscope::models
