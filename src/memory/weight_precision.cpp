#include "memory/weight_precision.h"

#include <algorithm>
#include <numeric>

namespace vidscope::memory {

namespace {

constexpr Bytes kBf16Bytes = 2;

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

Bytes ceil_div(Bytes a, Bytes b) { return (a + b - 1) / b; }

void add_to_group(WeightBreakdown& w, const TensorSpec& t, Bytes bytes) {
  switch (t.group) {
    case TensorGroup::kVisionTower: w.vision_tower += bytes; break;
    case TensorGroup::kLlmLayer: w.llm_layers[t.layer] += bytes; break;
    case TensorGroup::kEmbedding: w.embedding += bytes; break;
    case TensorGroup::kLmHead: w.lm_head += bytes; break;
    case TensorGroup::kFinalNorm: w.final_norm += bytes; break;
  }
}

}  // namespace

std::string_view precision_name(Precision precision) {
  switch (precision) {
    case Precision::kBf16: return "bf16";
    case Precision::kInt8: return "int8";
    case Precision::kInt4: return "int4";
  }
  return "unknown";
}

bool is_linear_weight(const TensorSpec& tensor) {
  return tensor.shape.size() == 2 && ends_with(tensor.name, "weight") && tensor.group != TensorGroup::kEmbedding &&
         tensor.group != TensorGroup::kFinalNorm;
}

bool is_quantized_linear(const TensorSpec& tensor, const QuantPolicy& policy) {
  if (!is_linear_weight(tensor)) return false;
  switch (tensor.group) {
    case TensorGroup::kLlmLayer: return true;
    case TensorGroup::kLmHead: return policy.quantize_lm_head;
    case TensorGroup::kVisionTower: return policy.quantize_vision_tower;
    case TensorGroup::kEmbedding:
    case TensorGroup::kFinalNorm: return false;
  }
  return false;
}

Bytes tensor_bytes(const TensorSpec& tensor, Precision precision, const QuantPolicy& policy) {
  if (!is_linear_weight(tensor)) return tensor.stored_bytes();
  const Bytes rows = tensor.shape[0];
  const Bytes inputs = tensor.shape[1];
  // A Linear left unquantized is still converted to bf16 so the matmul kernels see one format.
  if (precision == Precision::kBf16 || !is_quantized_linear(tensor, policy)) return rows * inputs * kBf16Bytes;
  if (precision == Precision::kInt8) return rows * inputs + rows * kInt8ScaleBytes;
  return rows * ceil_div(inputs, 2) + rows * ceil_div(inputs, kInt4BlockInputs) * kInt4ScaleBytes;
}

namespace {

void note_largest(WeightBreakdown& w, const TensorSpec& t) {
  w.largest_tensor = std::max(w.largest_tensor, t.stored_bytes());
  if (!t.shape.empty() && t.shape[0] > 0) w.largest_row = std::max(w.largest_row, t.stored_bytes() / t.shape[0]);
}

}  // namespace

Bytes WeightBreakdown::llm_layers_total() const { return llm_layers_first(static_cast<std::uint32_t>(llm_layers.size())); }

Bytes WeightBreakdown::llm_layers_first(std::uint32_t count) const {
  const auto end = llm_layers.begin() + std::min<std::size_t>(count, llm_layers.size());
  return std::accumulate(llm_layers.begin(), end, Bytes{0});
}

Bytes WeightBreakdown::total() const { return vision_tower + llm_layers_total() + embedding + lm_head + final_norm; }

WeightBreakdown weight_breakdown(const ModelFootprint& model, Precision precision, const QuantPolicy& policy) {
  WeightBreakdown w;
  w.llm_layers.assign(model.dims.llm.layers, 0);
  for (const TensorSpec& t : model.tensors) {
    add_to_group(w, t, tensor_bytes(t, precision, policy));
    note_largest(w, t);
  }
  return w;
}

WeightBreakdown stored_weight_breakdown(const ModelFootprint& model) {
  WeightBreakdown w;
  w.llm_layers.assign(model.dims.llm.layers, 0);
  for (const TensorSpec& t : model.tensors) {
    add_to_group(w, t, t.stored_bytes());
    note_largest(w, t);
  }
  return w;
}

}  // namespace vidscope::memory
