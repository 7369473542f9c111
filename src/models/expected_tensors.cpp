#include "models/expected_tensors.h"

#include "base/error.h"

namespace vidscope::models {
namespace {

using Shape = std::vector<std::int64_t>;
using ShapeMap = std::map<std::string, Shape>;

void add_linear(ShapeMap& shapes, const std::string& prefix, std::int64_t out, std::int64_t in, bool bias) {
  shapes[prefix + ".weight"] = {out, in};
  if (bias) shapes[prefix + ".bias"] = {out};
}

void add_norm(ShapeMap& shapes, const std::string& prefix, std::int64_t width, bool bias) {
  shapes[prefix + ".weight"] = {width};
  if (bias) shapes[prefix + ".bias"] = {width};
}

void add_vision(ShapeMap& shapes, const VisionModelConfig& v) {
  const std::int64_t e = v.embed_dim;
  const bool norm_bias = v.norm == VisionNorm::kLayerNorm;
  shapes["visual.patch_embed.proj.weight"] = {e, v.in_channels, v.temporal_patch_size, v.patch_size, v.patch_size};
  for (std::int64_t i = 0; i < v.depth; ++i) {
    const std::string block = "visual.blocks." + std::to_string(i);
    add_norm(shapes, block + ".norm1", e, norm_bias);
    add_norm(shapes, block + ".norm2", e, norm_bias);
    add_linear(shapes, block + ".attn.qkv", 3 * e, e, true);
    add_linear(shapes, block + ".attn.proj", e, e, true);
    if (v.mlp == VisionMlp::kFc1Fc2) {
      add_linear(shapes, block + ".mlp.fc1", v.intermediate_size, e, true);
      add_linear(shapes, block + ".mlp.fc2", e, v.intermediate_size, true);
    } else {
      add_linear(shapes, block + ".mlp.gate_proj", v.intermediate_size, e, true);
      add_linear(shapes, block + ".mlp.up_proj", v.intermediate_size, e, true);
      add_linear(shapes, block + ".mlp.down_proj", e, v.intermediate_size, true);
    }
  }
  const std::int64_t merged = e * v.spatial_merge_size * v.spatial_merge_size;
  add_norm(shapes, "visual.merger.ln_q", e, norm_bias);
  add_linear(shapes, "visual.merger.mlp.0", merged, merged, true);
  add_linear(shapes, "visual.merger.mlp.2", v.out_hidden_size, merged, true);
}

void add_text(ShapeMap& shapes, const TextModelConfig& t) {
  const std::int64_t h = t.hidden_size;
  const std::int64_t q_width = t.num_attention_heads * t.head_dim;
  const std::int64_t kv_width = t.num_key_value_heads * t.head_dim;
  shapes["llm.embed_tokens.weight"] = {t.vocab_size, h};
  for (std::int64_t i = 0; i < t.num_hidden_layers; ++i) {
    const std::string layer = "llm.layers." + std::to_string(i);
    add_norm(shapes, layer + ".input_layernorm", h, false);
    add_norm(shapes, layer + ".post_attention_layernorm", h, false);
    add_linear(shapes, layer + ".self_attn.q_proj", q_width, h, true);
    add_linear(shapes, layer + ".self_attn.k_proj", kv_width, h, true);
    add_linear(shapes, layer + ".self_attn.v_proj", kv_width, h, true);
    add_linear(shapes, layer + ".self_attn.o_proj", h, q_width, false);
    add_linear(shapes, layer + ".mlp.gate_proj", t.intermediate_size, h, false);
    add_linear(shapes, layer + ".mlp.up_proj", t.intermediate_size, h, false);
    add_linear(shapes, layer + ".mlp.down_proj", h, t.intermediate_size, false);
  }
  add_norm(shapes, "llm.norm", h, false);
  shapes[std::string(kLmHeadWeight)] = {t.vocab_size, h};
}

}  // namespace

std::string shape_to_string(const std::vector<std::int64_t>& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

std::map<std::string, std::vector<std::int64_t>> expected_tensor_shapes(const VlmConfig& config) {
  ShapeMap shapes;
  add_vision(shapes, config.vision);
  add_text(shapes, config.text);
  return shapes;
}

std::vector<TensorProblem> check_checkpoint_tensors(const VlmConfig& config, const CheckpointTensors& tensors) {
  std::vector<TensorProblem> problems;
  const auto expected = expected_tensor_shapes(config);
  for (const auto& [name, shape] : expected) {
    const TensorRef* ref = tensors.find(name);
    if (ref == nullptr) {
      std::string hint = name == kLmHeadWeight ? " (config says tie_word_embeddings is false)" : "";
      problems.push_back({TensorProblem::Kind::kMissing, name, "missing tensor " + name + hint});
      continue;
    }
    if (ref->shape != shape) {
      problems.push_back({TensorProblem::Kind::kWrongShape, name,
                          name + " ('" + ref->name + "') has shape " + shape_to_string(ref->shape) +
                              " but config.json implies " + shape_to_string(shape)});
    }
    if (!is_supported_weight_dtype(ref->dtype)) {
      problems.push_back({TensorProblem::Kind::kUnsupportedDType, name,
                          name + " has dtype " + std::string(weight_dtype_name(ref->dtype)) +
                              "; weights must be F32, F16 or BF16"});
    }
  }
  for (const auto& [name, ref] : tensors.by_canonical_name()) {
    if (!expected.contains(name)) {
      problems.push_back({TensorProblem::Kind::kUnexpected, ref->name, "unused tensor " + ref->name});
    }
  }
  for (const auto& name : tensors.unrecognized()) {
    problems.push_back({TensorProblem::Kind::kUnexpected, name, "unused tensor " + name});
  }
  return problems;
}

void require_checkpoint_matches(const VlmConfig& config, const CheckpointTensors& tensors, const std::string& folder) {
  constexpr std::size_t kMaxListed = 8;
  std::string listed;
  std::size_t count = 0;
  for (const auto& problem : check_checkpoint_tensors(config, tensors)) {
    if (problem.kind == TensorProblem::Kind::kUnexpected) continue;
    if (count++ < kMaxListed) listed += "\n  " + problem.message;
  }
  if (count == 0) return;
  if (count > kMaxListed) listed += "\n  ... and " + std::to_string(count - kMaxListed) + " more";
  throw_input_error(folder + ": checkpoint does not match config.json (" + std::to_string(count) +
                    " problems):" + listed);
}

}  // namespace vidscope::models
