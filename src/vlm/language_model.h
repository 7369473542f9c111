#pragma once
// The Qwen2 decoder of Qwen2-VL / Qwen2.5-VL: embeddings -> layers (RMSNorm, GQA attention with q/k/v
// bias and M-RoPE, residual, RMSNorm, SwiGLU MLP, residual) -> final RMSNorm -> lm_head.
//
// forward() runs the layers over a batch of rows that belong to one or more sequences ("spans"); each
// span's keys and values are appended to its KV-cache slot and its queries attend causally to that
// slot only. Prefill is one span of many rows (possibly in chunks), a batched decode step is one span
// of one row per sequence: every matmul then reads each weight once for the whole batch.
//
// The layers may be split between two backends (a GPU and the CPU, when the GPU cannot hold them
// all): the first N run on the model's backend, the rest, the final norm and the lm_head on the other.
// The rows cross once per forward pass, at the boundary; each layer's KV cache lives on its backend.
//
// Thread-safety: calls issue ops on the backends and must not overlap with other work on them. Weights
// and backends must outlive the model.
#include <cstdint>
#include <span>
#include <vector>

#include "backend/backend.h"
#include "models/vlm_config.h"
#include "vlm/activation.h"
#include "vlm/kv_cache.h"
#include "vlm/rotary_tables.h"
#include "vlm/vlm_weights.h"

namespace vidscope::vlm {

// Rows [row, row + count) of the batch are tokens of the sequence in cache slot `slot`, at cache
// positions [cache.length(slot), + count).
struct TokenSpan {
  std::int64_t slot = 0;
  std::int64_t row = 0;
  std::int64_t count = 0;
};

// Layers [0, first_layers) run on the model's backend, the rest on `rest`.
struct LayerSplit {
  std::int64_t first_layers = -1;    // -1 (or the layer count): every layer on the model's backend
  backend::Backend* rest = nullptr;  // required when first_layers is below the layer count
};

class LanguageModel {
 public:
  // Throws vidscope::Error (internal) when the split leaves layers without a backend. The weights of
  // each layer must live where the split runs it (VlmWeights::load with the same split).
  LanguageModel(const models::TextModelConfig& config, const LanguageWeights& weights, backend::Backend& backend,
                LayerSplit split = {});

  const models::TextModelConfig& config() const { return config_; }
  std::int64_t hidden_size() const { return config_.hidden_size; }
  std::int64_t vocab_size() const { return config_.vocab_size; }
  std::int64_t kv_width() const { return config_.num_key_value_heads * config_.head_dim; }
  std::int64_t layers() const { return config_.num_hidden_layers; }
  // Where layer `layer` runs; the first layer's is where forward() wants its rows, the last one's is
  // where the logits come out.
  backend::Backend& layer_backend(std::int64_t layer) const { return layer < first_layers_ ? backend_ : *rest_; }
  backend::Backend& input_backend() const { return layer_backend(0); }
  backend::Backend& output_backend() const { return layer_backend(layers() - 1); }
  std::int64_t layers_on_model_backend() const { return first_layers_; }
  // Every backend the model runs on (one, or two when split), each once.
  std::vector<backend::Backend*> backends() const;
  // A KV cache with each layer on its backend.
  KvCache make_cache(std::int64_t slots, std::int64_t capacity) const;

  // Writes the embedding of ids[i] into row first_row + i of `out` ([*, hidden]). Throws
  // vidscope::Error (input) for an id outside the vocabulary.
  void embed(std::span<const std::int32_t> ids, const Activation& out, std::int64_t first_row = 0) const;
  // The same into host memory: ids.size() rows of hidden_size() floats at `out`.
  void embed_host(std::span<const std::int32_t> ids, float* out) const;

  // M-RoPE table for the given position ids (one row per token).
  RotaryTable rotary(std::span<const std::int32_t> t, std::span<const std::int32_t> h,
                     std::span<const std::int32_t> w) const;

  // Runs every layer over x ([rows, hidden] on input_backend(); replaced by the last layer's output,
  // before the final norm, on output_backend()) with one rotary row per row of x. Appends each span's
  // keys/values to the cache and advances its length. Throws vidscope::Error (internal) when a span
  // overflows the cache capacity.
  void forward(Activation& x, const RotaryTable& rotary, std::span<const TokenSpan> spans, KvCache& cache) const;

  // Logits [rows.size(), vocab] for the given rows of x (after forward): final norm, then lm_head.
  // They live on output_backend(): read them with Activation::host_rows() / read_rows().
  Activation logits(const Activation& x, std::span<const std::int64_t> rows) const;

 private:
  // Decoder layer `index` on the residual stream x. `pending` is the previous layer's MLP output, not
  // yet in x (empty for the first layer of a run): it is added here, fused with the input norm.
  // Returns this layer's MLP output, likewise not yet added.
  Activation run_layer(std::size_t index, backend::Backend& be, const Activation& x, const Activation& pending,
                       const backend::TensorView& cos, const backend::TensorView& sin, std::span<const TokenSpan> spans,
                       KvCache& cache) const;

  models::TextModelConfig config_;
  const LanguageWeights& weights_;
  backend::Backend& backend_;
  backend::Backend* rest_;
  std::int64_t first_layers_;
};

}  // namespace vidscope::vlm
