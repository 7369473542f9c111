#include "checkpoint_preset.h"

#include "base/error.h"

namespace vidscope::bench {

namespace {

// Token ids of the Qwen2 tokenizer shared by every Qwen2-VL / Qwen2.5-VL checkpoint.
constexpr int kEndOfText = 151643;
constexpr int kImEnd = 151645;
constexpr int kVisionStart = 151652;
constexpr int kVisionEnd = 151653;
constexpr int kVisionPad = 151654;
constexpr int kImagePad = 151655;
constexpr int kVideoPad = 151656;

struct NamedDims {
  const char* name;
  memory::ModelDims (*dims)();
};

constexpr NamedDims kPresets[] = {
    {"qwen2-vl-2b", memory::qwen2vl_2b_dims},
    {"qwen2-vl-7b", memory::qwen2vl_7b_dims},
    {"qwen2.5-vl-3b", memory::qwen25vl_3b_dims},
    {"qwen2.5-vl-7b", memory::qwen25vl_7b_dims},
};

// Rotary split (t, h, w) of head_dim / 2 frequencies: [16, 24, 24] for head_dim 128 in every release.
std::vector<int> mrope_section(std::uint32_t head_dim) {
  const int half = static_cast<int>(head_dim / 2);
  const int spatial = half * 3 / 8;
  return {half - 2 * spatial, spatial, spatial};
}

nlohmann::json vision_config(const memory::VisionDims& v) {
  nlohmann::json j = {{"depth", v.depth},
                      {"num_heads", v.num_heads},
                      {"in_chans", v.in_channels},
                      {"patch_size", v.patch_size},
                      {"spatial_patch_size", v.patch_size},
                      {"spatial_merge_size", v.spatial_merge_size},
                      {"temporal_patch_size", v.temporal_patch_size}};
  if (v.flavor == memory::VisionFlavor::kQwen2Vl) {
    if (v.mlp_dim % v.embed_dim != 0) throw_usage_error("Qwen2-VL vision mlp width must be a multiple of embed_dim");
    j["embed_dim"] = v.embed_dim;
    j["mlp_ratio"] = v.mlp_dim / v.embed_dim;
    j["hidden_size"] = v.out_hidden_size;
  } else {
    // Window attention over 112-pixel windows with full attention in every eighth block, as released.
    j["hidden_act"] = "silu";
    j["hidden_size"] = v.embed_dim;
    j["intermediate_size"] = v.mlp_dim;
    j["out_hidden_size"] = v.out_hidden_size;
    j["window_size"] = 112;
    std::vector<std::uint32_t> full;
    for (std::uint32_t i = 7; i < v.depth; i += 8) full.push_back(i);
    j["fullatt_block_indexes"] = full;
    j["tokens_per_second"] = 2;
  }
  return j;
}

}  // namespace

std::vector<std::string> checkpoint_preset_names() {
  std::vector<std::string> names;
  for (const NamedDims& p : kPresets) names.emplace_back(p.name);
  return names;
}

CheckpointPreset checkpoint_preset(std::string_view name) {
  for (const NamedDims& p : kPresets) {
    if (name == p.name) return {p.name, p.dims()};
  }
  std::string known;
  for (const std::string& n : checkpoint_preset_names()) known += (known.empty() ? "" : ", ") + n;
  throw_usage_error("unknown model '" + std::string(name) + "'; known: " + known);
}

nlohmann::json config_json(const memory::ModelDims& dims) {
  const memory::LlmDims& m = dims.llm;
  const bool qwen25 = dims.vision.flavor == memory::VisionFlavor::kQwen25Vl;
  return {
      {"architectures", {qwen25 ? "Qwen2_5_VLForConditionalGeneration" : "Qwen2VLForConditionalGeneration"}},
      {"model_type", qwen25 ? "qwen2_5_vl" : "qwen2_vl"},
      {"attention_dropout", 0.0},
      {"bos_token_id", kEndOfText},
      {"eos_token_id", kImEnd},
      {"vision_start_token_id", kVisionStart},
      {"vision_end_token_id", kVisionEnd},
      {"vision_token_id", kVisionPad},
      {"image_token_id", kImagePad},
      {"video_token_id", kVideoPad},
      {"hidden_act", "silu"},
      {"hidden_size", m.hidden},
      {"initializer_range", 0.02},
      {"intermediate_size", m.intermediate},
      {"max_position_embeddings", m.max_context_tokens},
      {"max_window_layers", m.layers},
      {"num_attention_heads", m.heads},
      {"num_hidden_layers", m.layers},
      {"num_key_value_heads", m.kv_heads},
      {"rms_norm_eps", 1e-6},
      {"rope_theta", 1000000.0},
      {"sliding_window", 32768},
      {"tie_word_embeddings", m.tied_lm_head},
      {"torch_dtype", "bfloat16"},
      {"use_cache", true},
      {"use_sliding_window", false},
      {"vision_config", vision_config(dims.vision)},
      {"rope_scaling", {{"type", "mrope"}, {"mrope_section", mrope_section(m.head_dim)}}},
      {"vocab_size", m.vocab},
  };
}

nlohmann::json preprocessor_config_json() {
  return {{"min_pixels", 3136},
          {"max_pixels", 12845056},
          {"patch_size", 14},
          {"temporal_patch_size", 2},
          {"merge_size", 2},
          {"image_mean", {0.48145466, 0.4578275, 0.40821073}},
          {"image_std", {0.26862954, 0.26130258, 0.27577711}},
          {"image_processor_type", "Qwen2VLImageProcessor"},
          {"processor_class", "Qwen2VLProcessor"}};
}

nlohmann::json generation_config_json() {
  return {{"bos_token_id", kEndOfText},
          {"pad_token_id", kEndOfText},
          {"do_sample", true},
          {"eos_token_id", {kImEnd, kEndOfText}},
          {"repetition_penalty", 1.05},
          {"temperature", 0.1},
          {"top_k", 1},
          {"top_p", 0.001}};
}

}  // namespace vidscope::bench
