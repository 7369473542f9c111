#include "models/model_footprint_reader.h"

#include <charconv>

#include "base/error.h"
#include "models/checkpoint_tensors.h"
#include "models/dtype.h"

namespace vidscope::models {

namespace {

std::uint32_t to_u32(std::int64_t value) { return static_cast<std::uint32_t>(value < 0 ? 0 : value); }

// "llm.layers.12.mlp.up_proj.weight" -> 12
std::uint32_t layer_index(std::string_view canonical) {
  canonical.remove_prefix(std::string_view("llm.layers.").size());
  std::uint32_t layer = 0;
  std::from_chars(canonical.data(), canonical.data() + canonical.size(), layer);
  return layer;
}

}  // namespace

memory::ModelDims planner_dims(const VlmConfig& config) {
  memory::ModelDims dims;
  const auto& text = config.text;
  dims.llm.layers = to_u32(text.num_hidden_layers);
  dims.llm.hidden = to_u32(text.hidden_size);
  dims.llm.heads = to_u32(text.num_attention_heads);
  dims.llm.kv_heads = to_u32(text.num_key_value_heads);
  dims.llm.head_dim = to_u32(text.head_dim);
  dims.llm.intermediate = to_u32(text.intermediate_size);
  dims.llm.vocab = to_u32(text.vocab_size);
  dims.llm.tied_lm_head = text.tie_word_embeddings;
  dims.llm.max_context_tokens = to_u32(text.max_position_embeddings);
  const auto& vision = config.vision;
  dims.vision.flavor =
      config.family == VlmFamily::kQwen25VL ? memory::VisionFlavor::kQwen25Vl : memory::VisionFlavor::kQwen2Vl;
  dims.vision.depth = to_u32(vision.depth);
  dims.vision.embed_dim = to_u32(vision.embed_dim);
  dims.vision.num_heads = to_u32(vision.num_heads);
  dims.vision.mlp_dim = to_u32(vision.intermediate_size);
  dims.vision.in_channels = to_u32(vision.in_channels);
  dims.vision.patch_size = to_u32(vision.patch_size);
  dims.vision.temporal_patch_size = to_u32(vision.temporal_patch_size);
  dims.vision.spatial_merge_size = to_u32(vision.spatial_merge_size);
  dims.vision.out_hidden_size = to_u32(vision.out_hidden_size);
  return dims;
}

memory::ModelFootprint read_model_footprint(const std::filesystem::path& model_dir, const VlmConfig& config,
                                            const WeightSet& weights) {
  std::vector<memory::TensorSpec> tensors;
  for (const auto& [name, ref] : weights.tensors()) {
    const auto canonical = canonical_tensor_name(name);
    if (!canonical) {
      throw_input_error(model_dir.string() + ": tensor '" + name +
                        "' is neither a vision-tower nor a language-model tensor of a Qwen2-VL checkpoint");
    }
    // A tied model that still stores lm_head never loads it: the embedding table serves both.
    if (config.text.tie_word_embeddings && *canonical == kLmHeadWeight) continue;
    memory::TensorSpec spec;
    spec.name = *canonical;
    for (auto d : ref->shape) spec.shape.push_back(static_cast<std::uint64_t>(d));
    spec.stored_element_bytes = static_cast<std::uint32_t>(weight_dtype_size(ref->dtype));
    if (canonical->starts_with("visual.")) {
      spec.group = memory::TensorGroup::kVisionTower;
    } else if (canonical->starts_with("llm.layers.")) {
      spec.group = memory::TensorGroup::kLlmLayer;
      spec.layer = layer_index(*canonical);
    } else if (*canonical == kEmbedTokensWeight) {
      spec.group = memory::TensorGroup::kEmbedding;
    } else if (*canonical == kLmHeadWeight) {
      spec.group = memory::TensorGroup::kLmHead;
    } else {
      spec.group = memory::TensorGroup::kFinalNorm;
    }
    tensors.push_back(std::move(spec));
  }
  memory::ModelFootprint footprint =
      memory::make_footprint(model_dir.filename().string(), planner_dims(config), std::move(tensors));
  std::error_code ec;
  const auto tokenizer_bytes = std::filesystem::file_size(model_dir / "tokenizer.json", ec);
  footprint.host_tables_bytes = memory::host_tables_estimate(ec ? 0 : static_cast<Bytes>(tokenizer_bytes));
  return footprint;
}

memory::ModelFootprint read_model_footprint(const std::filesystem::path& model_dir) {
  if (!std::filesystem::is_directory(model_dir)) {
    throw_input_error("model directory '" + model_dir.string() + "' does not exist or is not a directory");
  }
  const auto config = load_vlm_config(model_dir / "config.json");
  const auto weights = WeightSet::open_directory(model_dir);
  return read_model_footprint(model_dir, config, weights);
}

}  // namespace vidscope::models
