#pragma once
// Weights of a Qwen2-VL / Qwen2.5-VL checkpoint as the forward passes use them: tensor views a backend
// can multiply with, each either pointing straight into the memory-mapped safetensors file (no copy) or
// into a backend buffer holding a converted copy.
//
// Precision rules (the contract of memory/weight_precision.h):
//   kAsStored: every tensor as stored (bf16 / f16 / f32), mapped without copying where aligned.
//   kF32:      Linear weights converted to f32 (the exact path the reference tests use).
//   kBf16:     Linear weights stored f32/f16 are converted to bf16; bf16 stays mapped.
//   kInt8/kInt4: Linear weights (LLM layers, vision qkv/proj/MLP/merger, an untied lm_head) are quantized
//              row range by row range straight from the mapping: no f32 copy of a whole tensor exists.
//              Row ranges are spread over `threads` loader threads (bit-identical to one thread), and
//              the mapped pages of a converted tensor are released, so the host peak during loading
//              stays near the size of what is kept.
// Never converted: the token embedding table (mapped; a tied lm_head uses it as stored) and the
// patch-embedding convolution. Norm weights and biases are small and always copied to f32.
//
// Ownership: a VlmWeights refers to the WeightSet it was loaded from (mapped views) and owns its
// backend buffers; the WeightSet and the backends must outlive it. Immutable after loading, so any number
// of threads may read it.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "backend/backend.h"
#include "models/checkpoint_tensors.h"
#include "models/vlm_config.h"

namespace vidscope::vlm {

enum class WeightPrecision { kAsStored, kF32, kBf16, kInt8, kInt4 };

// "auto", "f32", "bf16", "int8", "int4".
std::string_view weight_precision_name(WeightPrecision precision);
// Accepts the names above (and "as-stored"); throws vidscope::Error (usage) listing them otherwise.
WeightPrecision parse_weight_precision(std::string_view name);

struct Linear {
  backend::TensorView weight;  // [out, in]
  backend::TensorView bias;    // f32 [out]; data == nullptr when the layer has none
  const backend::TensorView* bias_or_null() const { return bias.data != nullptr ? &bias : nullptr; }
  std::int64_t out_features() const { return weight.rows(); }
};

struct Norm {
  backend::TensorView weight;  // f32 [dim]
  backend::TensorView bias;    // f32 [dim] for LayerNorm; empty for RMSNorm
};

struct VisionBlockWeights {
  Norm norm1, norm2;
  Linear qkv, proj;
  Linear fc1, fc2;              // Qwen2-VL
  Linear gate, up, down;        // Qwen2.5-VL
};

struct VisionWeights {
  backend::TensorView patch_embed;  // [embed, channels * temporal * patch * patch]
  std::vector<VisionBlockWeights> blocks;
  Norm merger_norm;
  Linear merger_fc1, merger_fc2;
};

struct DecoderLayerWeights {
  Norm input_norm, post_attention_norm;
  // Converted or device weights are stacked: qkv = [q; k; v] (with their biases) and gate_up =
  // [gate; up], one matmul each; weights used as stored on the host stay separate (mapped) and the
  // stacked ones are empty, or the other way round.
  Linear qkv, gate_up;
  Linear q, k, v, o;
  Linear gate, up, down;
  bool stacked_qkv() const { return qkv.weight.data != nullptr; }
  bool stacked_gate_up() const { return gate_up.weight.data != nullptr; }
  // Every matmul of the layer, stacked or separate; the ones not in use have no data.
  std::array<const Linear*, 9> linears() const { return {&qkv, &gate_up, &q, &k, &v, &o, &gate, &up, &down}; }
};

struct LanguageWeights {
  backend::TensorView embed_tokens;  // [vocab, hidden], as stored; always host memory (looked up there)
  std::vector<DecoderLayerWeights> layers;
  Norm final_norm;
  Linear lm_head;

  // Bytes of the matmul weights one decode step reads: every layer's and the lm_head's.
  Bytes decode_weight_bytes() const;
};

// Where the tensors go when a model runs on a device (a GPU), whole or split with the host.
struct WeightPlacement {
  backend::Backend* device = nullptr;  // null: every tensor stays with the host backend
  std::int64_t device_layers = -1;     // decoder layers [0, n) on the device; -1: all of them, and then
                                       // the final norm and lm_head too (else those stay with the host)
  bool vision_on_device = true;        // the vision tower's tensors (with a device)
};

class VlmWeights {
 public:
  // Loads every tensor the config calls for. Throws vidscope::Error (input) naming the checkpoint folder
  // when a tensor is missing, has the wrong shape or an unsupported dtype (checked before any
  // conversion), (budget) when a backend buffer cannot be allocated. The backend must be a host backend.
  // `threads` convert tensors (0: every core the process may use); they exist only during the call.
  // With a device in `placement` (e.g. a GPU), the tensors it places there (all but the token-embedding
  // table by default) move tensor by tensor as soon as they are built (the host holds one converted
  // tensor at a time); a tied lm_head on the device gets a device copy of the table. The rest stays
  // with `backend`, as without a device.
  static std::unique_ptr<VlmWeights> load(const models::VlmConfig& config, const models::CheckpointTensors& tensors,
                                          const std::string& folder, WeightPrecision precision,
                                          backend::Backend& backend, unsigned threads = 0,
                                          const WeightPlacement& placement = {});

  const VisionWeights& vision() const { return vision_; }
  const LanguageWeights& language() const { return language_; }
  WeightPrecision precision() const { return precision_; }
  // Bytes copied or converted into backend buffers (mapped tensors are not counted).
  std::uint64_t owned_bytes() const;

  // Used by the loader (weights_loader.cpp).
  struct Builder;

 private:
  VlmWeights() = default;
  WeightPrecision precision_ = WeightPrecision::kAsStored;
  VisionWeights vision_;
  LanguageWeights language_;
  std::vector<std::unique_ptr<backend::Buffer>> buffers_;
};

}  // namespace vidscope::vlm
