#pragma once
// How many bytes a model's weights occupy at each precision the planner can choose. The formulas
// (docs/memory-model.md, "Weights") are the contract the tensor/backend layers must honour when they
// quantize on load: int8 = 1 B per weight + one f32 scale per output row; int4 = 4 bits per weight
// packed two per byte + one f16 scale per 32 inputs (a Q4_0-style block). Only Linear weights are
// quantized; everything else keeps its stored element size.
//
// Thread-safety: pure functions.
#include <cstdint>
#include <string_view>
#include <vector>

#include "base/units.h"
#include "memory/model_footprint.h"

namespace vidscope::memory {

enum class Precision { kBf16, kInt8, kInt4 };

// "bf16", "int8", "int4".
std::string_view precision_name(Precision precision);

inline constexpr Bytes kInt8ScaleBytes = 4;        // one f32 scale per output row
inline constexpr std::uint64_t kInt4BlockInputs = 32;
inline constexpr Bytes kInt4ScaleBytes = 2;        // one f16 scale per block of 32 inputs

// Which tensors are quantized at int8/int4. Tied lm_heads are never quantized separately: the shared
// embedding table stays at its stored precision and serves both uses.
struct QuantPolicy {
  bool quantize_vision_tower = true;  // vision Linear weights (qkv, proj, MLP, merger) like LLM linears
  bool quantize_lm_head = true;       // an untied lm_head is a Linear like any other
};

// A rank-2 "*.weight" tensor outside the embedding table and the final norm: a matmul operand.
bool is_linear_weight(const TensorSpec& tensor);

// True when `tensor` is a Linear weight that `policy` quantizes: a rank-2 "*.weight" tensor in an LLM
// layer, the (untied) lm_head or, when the policy says so, the vision tower. Embeddings, norms, biases
// and the patch-embedding convolution (rank 5) never are.
bool is_quantized_linear(const TensorSpec& tensor, const QuantPolicy& policy);

// Bytes of one tensor once loaded at `precision`:
//   Linear weight at bf16, or one the policy leaves unquantized:
//                        elements * 2          (stored f32 or f16 weights are converted to bf16)
//   int8, Linear weight: rows * in + rows * 4
//   int4, Linear weight: rows * ceil(in / 2) + rows * ceil(in / 32) * 2
//   anything else:       elements * stored element size, at every precision
Bytes tensor_bytes(const TensorSpec& tensor, Precision precision, const QuantPolicy& policy);

// The weights of one model at one precision, by placement unit.
struct WeightBreakdown {
  Bytes vision_tower = 0;
  std::vector<Bytes> llm_layers;  // one entry per decoder layer
  Bytes embedding = 0;
  Bytes lm_head = 0;              // 0 when tied (the embedding serves as lm_head)
  Bytes final_norm = 0;
  Bytes largest_tensor = 0;       // at the stored size: the staging buffer of a streaming load
  Bytes largest_row = 0;          // at the stored size: one output row of the widest Linear weight

  Bytes llm_layers_total() const;
  Bytes llm_layers_first(std::uint32_t count) const;  // layers [0, count)
  Bytes total() const;
};

WeightBreakdown weight_breakdown(const ModelFootprint& model, Precision precision, const QuantPolicy& policy);

// Same breakdown with every tensor at its stored size (weights memory-mapped from the checkpoint).
WeightBreakdown stored_weight_breakdown(const ModelFootprint& model);

}  // namespace vidscope::memory
