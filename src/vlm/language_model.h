#pragma once
// The Qwen2 decoder of Qwen2-VL / Qwen2.5-VL: embeddings -> layers (RMSNorm, GQA attention with q/k/v
// bias and M-RoPE, residual, RMSNorm, SwiGLU MLP, residual) -> final RMSNorm -> lm_head.
//
// forward() runs the layers over a batch of rows that belong to one or more sequences ("spans"); each
// span's keys and values are appended to its KV-cache slot and its queries attend causally to that
// slot only. Prefill is one span of many rows (possibly in chunks), a batched decode step is one span
// of one row per sequence: every matmul then reads each weight once for the whole batch.
//
// Thread-safety: calls issue ops on the backend and must not overlap with other work on it. Weights
// and backend must outlive the model.
#include <cstdint>
#include <span>

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

class LanguageModel {
 public:
  LanguageModel(const models::TextModelConfig& config, const LanguageWeights& weights, backend::Backend& backend);

  const models::TextModelConfig& config() const { return config_; }
  std::int64_t hidden_size() const { return config_.hidden_size; }
  std::int64_t vocab_size() const { return config_.vocab_size; }
  std::int64_t kv_width() const { return config_.num_key_value_heads * config_.head_dim; }
  backend::Backend& model_backend() const { return backend_; }

  // Writes the embedding of ids[i] into row first_row + i of `out` ([*, hidden]). Throws
  // vidscope::Error (input) for an id outside the vocabulary.
  void embed(std::span<const std::int32_t> ids, const Activation& out, std::int64_t first_row = 0) const;
  // The same into host memory: ids.size() rows of hidden_size() floats at `out`.
  void embed_host(std::span<const std::int32_t> ids, float* out) const;

  // M-RoPE table for the given position ids (one row per token).
  RotaryTable rotary(std::span<const std::int32_t> t, std::span<const std::int32_t> h,
                     std::span<const std::int32_t> w) const;

  // Runs every layer over x ([rows, hidden], overwritten with the last layer's output, before the final
  // norm) with one rotary row per row of x. Appends each span's keys/values to the cache and advances
  // its length. Throws vidscope::Error (internal) when a span overflows the cache capacity.
  void forward(const Activation& x, const RotaryTable& rotary, std::span<const TokenSpan> spans, KvCache& cache) const;

  // Logits [rows.size(), vocab] for the given rows of x (after forward): final norm, then lm_head.
  // They live on the model's backend: read them with Activation::host_rows() / read_rows().
  Activation logits(const Activation& x, std::span<const std::int64_t> rows) const;

 private:
  void run_layer(std::size_t index, const Activation& x, const backend::TensorView& cos, const backend::TensorView& sin,
                 std::span<const TokenSpan> spans, KvCache& cache) const;

  models::TextModelConfig config_;
  const LanguageWeights& weights_;
  backend::Backend& backend_;
};

}  // namespace vidscope::vlm
