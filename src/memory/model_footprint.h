#pragma once
// What a Qwen2-VL-like model costs before it is loaded: the list of its tensors (name, shape, stored
// element size, which part of the model they belong to) plus the dimensions the planner needs to size
// the KV cache and the activations. Everything here is plain data: the model layer fills it from
// config.json and the safetensors headers; tests and `--assume` planning generate it from dims.
//
// Thread-safety: plain values; functions are pure and re-entrant.
#include <cstdint>
#include <string>
#include <vector>

#include "base/units.h"

namespace vidscope::memory {

// Which part of the model a tensor belongs to. Placement decisions are made per group (and per LLM
// layer), never per tensor.
enum class TensorGroup {
  kVisionTower,  // patch embed, vision blocks, merger
  kLlmLayer,     // one decoder layer (see TensorSpec::layer)
  kEmbedding,    // token embedding table (a lookup table)
  kLmHead,       // output projection; absent from the list when tied to the embedding
  kFinalNorm,    // the LLM's final RMSNorm
};

struct TensorSpec {
  std::string name;
  std::vector<std::uint64_t> shape;      // as stored: Linear weights are [out, in]
  std::uint32_t stored_element_bytes = 2;  // 2 for bf16/f16, 4 for f32
  TensorGroup group = TensorGroup::kLlmLayer;
  std::uint32_t layer = 0;               // decoder layer index; only meaningful for kLlmLayer

  std::uint64_t element_count() const;
  Bytes stored_bytes() const { return element_count() * stored_element_bytes; }
};

// Qwen2-VL: LayerNorm + GELU MLP (fc1/fc2), full attention per temporal patch.
// Qwen2.5-VL: RMSNorm + SwiGLU MLP with biases, windowed attention except a few full blocks.
enum class VisionFlavor { kQwen2Vl, kQwen25Vl };

struct VisionDims {
  VisionFlavor flavor = VisionFlavor::kQwen2Vl;
  std::uint32_t depth = 32;
  std::uint32_t embed_dim = 1280;
  std::uint32_t num_heads = 16;
  std::uint32_t mlp_dim = 5120;           // fc1 width (Qwen2-VL) or gate/up width (Qwen2.5-VL)
  std::uint32_t in_channels = 3;
  std::uint32_t patch_size = 14;
  std::uint32_t temporal_patch_size = 2;
  std::uint32_t spatial_merge_size = 2;
  std::uint32_t out_hidden_size = 0;      // merger output = the LLM hidden size
};

struct LlmDims {
  std::uint32_t layers = 0;
  std::uint32_t hidden = 0;
  std::uint32_t heads = 0;
  std::uint32_t kv_heads = 0;
  std::uint32_t head_dim = 0;
  std::uint32_t intermediate = 0;
  std::uint32_t vocab = 0;
  bool tied_lm_head = false;              // lm_head shares the embedding table (Qwen2-VL-2B)
  std::uint32_t max_context_tokens = 32768;  // max_position_embeddings
};

struct ModelDims {
  LlmDims llm;
  VisionDims vision;
};

// A validated model description. Build it with make_footprint(); the invariants below then hold.
struct ModelFootprint {
  std::string name;
  ModelDims dims;
  std::vector<TensorSpec> tensors;
  // RAM the model's runtime keeps beside its weights on every tier (the tokenizer's tables live on the
  // host even when the weights are on a GPU): see host_tables_estimate().
  Bytes host_tables_bytes = 0;
};

// The tokenizer's tables in RAM for a tokenizer.json of `tokenizer_json_bytes`: measured 2.06x the file
// (a Qwen2 tokenizer.json of 10.9 MiB holds 22.4 MiB of heap once loaded, the parsed JSON freed and
// trimmed), rounded up to 2.25x for tokenizers with longer merges, plus 8 MiB for the engine's own
// fixed state (config, tensor index, rotary tables, thread pool).
Bytes host_tables_estimate(Bytes tokenizer_json_bytes);

// Published shapes (config.json of the Hub checkpoints; see docs/memory-model.md for the sources).
ModelDims qwen2vl_2b_dims();
ModelDims qwen2vl_7b_dims();
ModelDims qwen25vl_3b_dims();
ModelDims qwen25vl_7b_dims();

// The tensor list of a Qwen2-VL / Qwen2.5-VL checkpoint with these dims, names as in the Hub
// checkpoints (`visual.blocks.0.attn.qkv.weight`, `model.layers.0.mlp.up_proj.weight`, ...), every
// tensor stored with `stored_element_bytes` per element. Throws Error(kUsage) on invalid dims.
std::vector<TensorSpec> qwen2vl_tensors(const ModelDims& dims, std::uint32_t stored_element_bytes = 2);

// Validates and bundles a description. Throws Error(kUsage) naming the problem when: a dimension the
// planner divides by or sizes with is zero or above 2^24; head_dim * heads or kv_heads do not divide sensibly
// (kv_heads > heads or heads % kv_heads != 0); the tensor list is empty; a tensor has an empty shape,
// a zero extent, an element size other than 1/2/4/8, or the tensors add up to more than 1 PiB; an LLM
// tensor's layer index is >= layers; an untied model has no kLmHead tensor or a tied one has one.
// The name must not be empty.
ModelFootprint make_footprint(std::string name, const ModelDims& dims, std::vector<TensorSpec> tensors);

// The same checks on an existing description (the planner re-checks what it is given).
void validate_footprint(const ModelFootprint& model);

// make_footprint(name, dims, qwen2vl_tensors(dims)).
ModelFootprint qwen2vl_footprint(std::string name, const ModelDims& dims);

// Sum of element counts over all tensors (the "parameter count").
std::uint64_t parameter_count(const ModelFootprint& model);

}  // namespace vidscope::memory
