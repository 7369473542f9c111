#include "memory/planner_working_set.h"

#include <algorithm>

#include "memory/planner_saturating.h"

namespace vidscope::memory {

namespace {

constexpr Bytes kF32 = 4;  // activations and scores are kept in f32

// Query rows whose scores are stored at once (PlannerOptions::attention_score_rows; 0: none).
std::uint64_t materialized_rows(std::uint64_t queries, std::uint32_t score_rows) {
  return std::min<std::uint64_t>(queries, score_rows);
}

// f32 values live per token inside one decoder layer: the residual stream and the normed input are
// always there; then either q, k, v and the attention output, or the gate and up projections.
std::uint64_t llm_values_per_token(const LlmDims& m) {
  const std::uint64_t base = 2ull * m.hidden;
  const std::uint64_t attention = base + (2ull * m.heads + 2ull * m.kv_heads) * m.head_dim;
  const std::uint64_t mlp = base + 2ull * m.intermediate;
  return std::max(attention, mlp);
}

// Same per patch in a vision block: residual + normed input, then fused qkv + attention output
// (3E + E), or the MLP hidden (fc1 for Qwen2-VL, gate + up for Qwen2.5-VL). The merger needs less
// per patch (its input E + its hidden E after the 2x2 view), so it never sets the peak.
std::uint64_t vision_values_per_patch(const VisionDims& v) {
  const std::uint64_t base = 2ull * v.embed_dim;
  const std::uint64_t attention = base + 4ull * v.embed_dim;
  const std::uint64_t mlp_hidden = v.flavor == VisionFlavor::kQwen2Vl ? v.mlp_dim : 2ull * v.mlp_dim;
  return std::max(attention, base + mlp_hidden);
}

PhaseBytes vision_phase(const ModelDims& dims, const Workload& w, const PlannerOptions& options) {
  const VisionDims& v = dims.vision;
  const std::uint64_t patches = w.patches_per_segment();
  const std::uint64_t pixels_per_patch =
      product_saturating({v.in_channels, v.temporal_patch_size, v.patch_size, v.patch_size});
  const std::uint64_t batch_visual_tokens = mul_saturating(w.batch_segments, w.visual_tokens_per_segment(v.spatial_merge_size));
  PhaseBytes phase;
  phase.activations = sum_saturating({
      product_saturating({patches, pixels_per_patch, kF32}),                  // normalized pixel rows
      product_saturating({patches, vision_values_per_patch(v), kF32}),        // block activations
      product_saturating({batch_visual_tokens, v.out_hidden_size, kF32})});   // merger outputs of the batch
  // Attention runs per temporal patch (cu_seqlens): scores are (heads x rows x patches-per-frame-pair).
  const std::uint64_t keys = w.patches_per_temporal_patch();
  phase.scratch = product_saturating({v.num_heads, materialized_rows(keys, options.attention_score_rows), keys, kF32});
  return phase;
}

}  // namespace

VlmWorkingSet estimate_working_set(const ModelDims& dims, const Workload& w, const PlannerOptions& options) {
  const LlmDims& m = dims.llm;
  const std::uint32_t merge = dims.vision.spatial_merge_size;
  const std::uint64_t batch = w.batch_segments;
  const std::uint64_t prompt = w.prefill_tokens(merge);
  const std::uint64_t context = w.kv_tokens(merge);
  const std::uint64_t values = llm_values_per_token(m);

  // The generator prefills the batch's prompts one after another, each in chunks of at most
  // prefill_chunk_tokens rows; the visual embeddings of every segment stay alive until generation ends.
  const std::uint64_t chunk =
      options.prefill_chunk_tokens == 0 ? prompt : std::min<std::uint64_t>(prompt, options.prefill_chunk_tokens);
  const Bytes held_visual = product_saturating({batch, w.visual_tokens_per_segment(merge), m.hidden, kF32});

  VlmWorkingSet ws;
  ws.kv_cache_per_layer = product_saturating({2, m.kv_heads, m.head_dim, context, batch, options.kv_bytes_per_element});
  ws.vision = vision_phase(dims, w, options);
  ws.prefill.activations = add_saturating(product_saturating({chunk, values, kF32}), held_visual);
  ws.prefill.scratch =
      product_saturating({m.heads, materialized_rows(chunk, options.attention_score_rows), prompt, kF32});
  ws.decode.activations = add_saturating(product_saturating({batch, values, kF32}), held_visual);
  ws.decode.scratch =
      product_saturating({batch, m.heads, materialized_rows(1, options.attention_score_rows), context, kF32});
  ws.logits = product_saturating({batch, m.vocab, kF32});
  return ws;
}

}  // namespace vidscope::memory
