#include "memory/model_footprint.h"

#include <limits>

#include <fmt/format.h>

#include "base/error.h"

namespace vidscope::memory {

namespace {

constexpr std::uint64_t kMaxU64 = std::numeric_limits<std::uint64_t>::max();
constexpr Bytes kMaxModelBytes = Bytes{1} << 50;

// Far above any real model; keeps every product of two or three dims inside 64 bits.
constexpr std::uint64_t kMaxDim = std::uint64_t{1} << 24;

void require_positive(std::uint64_t value, const char* what) {
  if (value == 0) throw_usage_error(fmt::format("model dims: {} must be greater than zero", what));
  if (value > kMaxDim) throw_usage_error(fmt::format("model dims: {} = {} is implausibly large", what, value));
}

void validate_dims(const ModelDims& dims) {
  const LlmDims& llm = dims.llm;
  require_positive(llm.layers, "llm layers");
  require_positive(llm.hidden, "llm hidden size");
  require_positive(llm.heads, "llm attention heads");
  require_positive(llm.kv_heads, "llm key/value heads");
  require_positive(llm.head_dim, "llm head_dim");
  require_positive(llm.intermediate, "llm intermediate size");
  require_positive(llm.vocab, "llm vocabulary size");
  require_positive(llm.max_context_tokens, "llm max context tokens");
  if (llm.kv_heads > llm.heads || llm.heads % llm.kv_heads != 0) {
    throw_usage_error(fmt::format("model dims: {} attention heads cannot share {} key/value heads evenly",
                                  llm.heads, llm.kv_heads));
  }
  const VisionDims& v = dims.vision;
  require_positive(v.depth, "vision depth");
  require_positive(v.embed_dim, "vision embed dim");
  require_positive(v.num_heads, "vision heads");
  require_positive(v.mlp_dim, "vision mlp dim");
  require_positive(v.in_channels, "vision input channels");
  require_positive(v.patch_size, "vision patch size");
  require_positive(v.temporal_patch_size, "vision temporal patch size");
  require_positive(v.spatial_merge_size, "vision spatial merge size");
  require_positive(v.out_hidden_size, "vision output (merger) size");
  if (v.embed_dim % v.num_heads != 0) {
    throw_usage_error(fmt::format("model dims: vision embed dim {} is not a multiple of {} heads", v.embed_dim,
                                  v.num_heads));
  }
}

// Appends the tensors of one Linear layer (weight [out, in] and optionally bias [out]).
struct TensorListBuilder {
  std::vector<TensorSpec>& out;
  std::uint32_t element_bytes;

  void add(std::string name, std::vector<std::uint64_t> shape, TensorGroup group, std::uint32_t layer = 0) {
    out.push_back(TensorSpec{std::move(name), std::move(shape), element_bytes, group, layer});
  }
  void linear(const std::string& prefix, std::uint64_t out_dim, std::uint64_t in_dim, bool bias, TensorGroup group,
              std::uint32_t layer = 0) {
    add(prefix + ".weight", {out_dim, in_dim}, group, layer);
    if (bias) add(prefix + ".bias", {out_dim}, group, layer);
  }
  void norm(const std::string& prefix, std::uint64_t dim, bool bias, TensorGroup group, std::uint32_t layer = 0) {
    add(prefix + ".weight", {dim}, group, layer);
    if (bias) add(prefix + ".bias", {dim}, group, layer);
  }
};

void add_vision_tensors(const VisionDims& v, TensorListBuilder& b) {
  const auto g = TensorGroup::kVisionTower;
  const std::uint64_t e = v.embed_dim;
  const bool qwen2 = v.flavor == VisionFlavor::kQwen2Vl;  // LayerNorm with bias; Qwen2.5: RMSNorm, no bias
  b.add("visual.patch_embed.proj.weight", {e, v.in_channels, v.temporal_patch_size, v.patch_size, v.patch_size}, g);
  for (std::uint32_t i = 0; i < v.depth; ++i) {
    const std::string p = fmt::format("visual.blocks.{}", i);
    b.norm(p + ".norm1", e, qwen2, g);
    b.norm(p + ".norm2", e, qwen2, g);
    b.linear(p + ".attn.qkv", 3 * e, e, true, g);
    b.linear(p + ".attn.proj", e, e, true, g);
    if (qwen2) {
      b.linear(p + ".mlp.fc1", v.mlp_dim, e, true, g);
      b.linear(p + ".mlp.fc2", e, v.mlp_dim, true, g);
    } else {
      b.linear(p + ".mlp.gate_proj", v.mlp_dim, e, true, g);
      b.linear(p + ".mlp.up_proj", v.mlp_dim, e, true, g);
      b.linear(p + ".mlp.down_proj", e, v.mlp_dim, true, g);
    }
  }
  const std::uint64_t merged = e * v.spatial_merge_size * v.spatial_merge_size;
  b.norm("visual.merger.ln_q", e, qwen2, g);
  b.linear("visual.merger.mlp.0", merged, merged, true, g);
  b.linear("visual.merger.mlp.2", v.out_hidden_size, merged, true, g);
}

void add_llm_tensors(const LlmDims& m, TensorListBuilder& b) {
  const std::uint64_t h = m.hidden;
  const std::uint64_t q_width = std::uint64_t{m.heads} * m.head_dim;
  const std::uint64_t kv_width = std::uint64_t{m.kv_heads} * m.head_dim;
  b.add("model.embed_tokens.weight", {m.vocab, h}, TensorGroup::kEmbedding);
  for (std::uint32_t i = 0; i < m.layers; ++i) {
    const std::string p = fmt::format("model.layers.{}", i);
    const auto g = TensorGroup::kLlmLayer;
    b.norm(p + ".input_layernorm", h, false, g, i);
    b.norm(p + ".post_attention_layernorm", h, false, g, i);
    b.linear(p + ".self_attn.q_proj", q_width, h, true, g, i);
    b.linear(p + ".self_attn.k_proj", kv_width, h, true, g, i);
    b.linear(p + ".self_attn.v_proj", kv_width, h, true, g, i);
    b.linear(p + ".self_attn.o_proj", h, q_width, false, g, i);
    b.linear(p + ".mlp.gate_proj", m.intermediate, h, false, g, i);
    b.linear(p + ".mlp.up_proj", m.intermediate, h, false, g, i);
    b.linear(p + ".mlp.down_proj", h, m.intermediate, false, g, i);
  }
  b.norm("model.norm", h, false, TensorGroup::kFinalNorm);
  if (!m.tied_lm_head) b.linear("lm_head", m.vocab, h, false, TensorGroup::kLmHead);
}

void validate_tensor(const TensorSpec& t, const LlmDims& llm) {
  if (t.name.empty()) throw_usage_error("model tensors: a tensor has an empty name");
  if (t.shape.empty()) throw_usage_error(fmt::format("model tensors: {} has an empty shape", t.name));
  const std::uint32_t eb = t.stored_element_bytes;
  if (eb != 1 && eb != 2 && eb != 4 && eb != 8) {
    throw_usage_error(fmt::format("model tensors: {} has element size {} B (expected 1, 2, 4 or 8)", t.name, eb));
  }
  std::uint64_t count = 1;
  for (std::uint64_t extent : t.shape) {
    if (extent == 0) throw_usage_error(fmt::format("model tensors: {} has a zero extent", t.name));
    if (count > kMaxU64 / extent / eb) {
      throw_usage_error(fmt::format("model tensors: {} is too large to count in bytes", t.name));
    }
    count *= extent;
  }
  if (t.group == TensorGroup::kLlmLayer && t.layer >= llm.layers) {
    throw_usage_error(
        fmt::format("model tensors: {} names layer {} but the model has {} layers", t.name, t.layer, llm.layers));
  }
}

}  // namespace

std::uint64_t TensorSpec::element_count() const {
  std::uint64_t count = 1;
  for (std::uint64_t extent : shape) count *= extent;
  return count;
}

ModelDims qwen2vl_2b_dims() {
  ModelDims d;
  d.llm = LlmDims{28, 1536, 12, 2, 128, 8960, 151936, true, 32768};
  d.vision.out_hidden_size = 1536;
  return d;
}

ModelDims qwen2vl_7b_dims() {
  ModelDims d;
  d.llm = LlmDims{28, 3584, 28, 4, 128, 18944, 152064, false, 32768};
  d.vision.out_hidden_size = 3584;
  return d;
}

ModelDims qwen25vl_3b_dims() {
  ModelDims d;
  d.llm = LlmDims{36, 2048, 16, 2, 128, 11008, 151936, true, 128000};
  d.vision.flavor = VisionFlavor::kQwen25Vl;
  d.vision.mlp_dim = 3420;
  d.vision.out_hidden_size = 2048;
  return d;
}

ModelDims qwen25vl_7b_dims() {
  ModelDims d = qwen2vl_7b_dims();
  d.llm.max_context_tokens = 128000;
  d.vision.flavor = VisionFlavor::kQwen25Vl;
  d.vision.mlp_dim = 3420;
  return d;
}

std::vector<TensorSpec> qwen2vl_tensors(const ModelDims& dims, std::uint32_t stored_element_bytes) {
  validate_dims(dims);
  std::vector<TensorSpec> tensors;
  TensorListBuilder builder{tensors, stored_element_bytes};
  add_vision_tensors(dims.vision, builder);
  add_llm_tensors(dims.llm, builder);
  return tensors;
}

void validate_footprint(const ModelFootprint& model) {
  const std::string& name = model.name;
  const ModelDims& dims = model.dims;
  if (name.empty()) throw_usage_error("model: the name is empty");
  validate_dims(dims);
  if (model.tensors.empty()) throw_usage_error(fmt::format("model {}: the tensor list is empty", name));
  bool has_lm_head = false;
  Bytes total_bytes = 0;
  for (const TensorSpec& t : model.tensors) {
    validate_tensor(t, dims.llm);
    has_lm_head = has_lm_head || t.group == TensorGroup::kLmHead;
    total_bytes += t.stored_bytes();
    // Far beyond any real model; keeps every later sum (quantization scales, KV, budgets) overflow-free.
    if (t.stored_bytes() > kMaxModelBytes || total_bytes > kMaxModelBytes) {
      throw_usage_error(fmt::format("model {}: the tensors add up to more than 1 PiB", name));
    }
  }
  if (dims.llm.tied_lm_head && has_lm_head) {
    throw_usage_error(fmt::format("model {}: lm_head is tied to the embedding but has its own tensor", name));
  }
  if (!dims.llm.tied_lm_head && !has_lm_head) {
    throw_usage_error(fmt::format("model {}: lm_head is not tied but no lm_head tensor was given", name));
  }
}

ModelFootprint make_footprint(std::string name, const ModelDims& dims, std::vector<TensorSpec> tensors) {
  ModelFootprint model{std::move(name), dims, std::move(tensors)};
  validate_footprint(model);
  return model;
}

ModelFootprint qwen2vl_footprint(std::string name, const ModelDims& dims) {
  return make_footprint(std::move(name), dims, qwen2vl_tensors(dims));
}

std::uint64_t parameter_count(const ModelFootprint& model) {
  std::uint64_t total = 0;
  for (const TensorSpec& t : model.tensors) total += t.element_count();
  return total;
}

Bytes host_tables_estimate(Bytes tokenizer_json_bytes) {
  constexpr Bytes kEngineFixedBytes = 8 * kMiB;
  return tokenizer_json_bytes / 4 * 9 + kEngineFixedBytes;
}

}  // namespace vidscope::memory
