#pragma once
// Text generation over the language model: prompt -> prefill (in chunks, vision embeddings placed at
// the pad tokens) -> decode loop with a KV cache, stopping at an end-of-sequence id or after
// max_new_tokens. Several prompts run together: they are prefilled into their own cache slots in
// shared passes (tokens packed across prompts), then every decode step advances all unfinished
// sequences in one batched pass (each weight read once per step).
//
// Thread-safety: generate() issues ops on the model's backend; one call at a time per backend.
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "vlm/activation.h"
#include "vlm/kv_cache.h"
#include "vlm/language_model.h"
#include "vlm/mrope_positions.h"
#include "vlm/sampler.h"

namespace vidscope::vlm {

// One prompt ready for the language model. The embedding activations are borrowed and must outlive the
// call; their rows go, in order, to the image / video pad tokens of `ids` (all images' rows
// concatenated in prompt order, likewise videos).
struct PreparedPrompt {
  std::vector<std::int32_t> ids;
  MropePositions positions;  // from compute_mrope_positions over ids
  const Activation* image_embeddings = nullptr;
  const Activation* video_embeddings = nullptr;
};

struct GenerationOptions {
  std::int64_t max_new_tokens = 128;
  SamplingParams sampling;                 // per sequence; sequence i uses seed + i
  std::vector<std::int32_t> eos_ids;       // generation stops after producing any of these
  std::int64_t prefill_chunk_tokens = 512; // rows per prefill pass (prompts packed together): bounds activations
  bool record_margins = false;             // fill GenerationResult::top2_margins
};

struct GenerationResult {
  std::vector<std::int32_t> ids;  // generated ids, the stopping eos id included when one was produced
  bool stopped_at_eos = false;
  std::vector<float> first_logits;  // logits at the last prompt position (before any penalty)
  std::vector<double> top2_margins; // per step: top-1 minus top-2 logit before sampling (record_margins)
};

// Called for every generated id (eos included) as soon as it is chosen: (sequence index, id).
using TokenCallback = std::function<void(std::size_t sequence, std::int32_t id)>;

class Generator {
 public:
  Generator(const LanguageModel& model, std::int32_t image_pad_id, std::int32_t video_pad_id);

  // Throws vidscope::Error (input) when a prompt is empty, its positions do not match its ids, or its
  // pad-token count differs from its embedding rows; (budget) when the KV cache cannot be allocated.
  std::vector<GenerationResult> generate(std::span<const PreparedPrompt> prompts, const GenerationOptions& options,
                                         const TokenCallback& on_token = {}) const;

  // Prefills `prompt` into `slot` of `cache` (which must be empty for that slot) and returns the logits
  // at its last position.
  std::vector<float> prefill(const PreparedPrompt& prompt, KvCache& cache, std::int64_t slot,
                             std::int64_t chunk_tokens = 512) const;
  // Prefills prompts[i] into slots[i] (each empty), their tokens packed one prompt after another into
  // forward passes of chunk_tokens rows: a pass may finish one prompt and start the next, so every
  // pass but the last is full and each weight is read once per chunk_tokens rows however short the
  // prompts are. Returns each prompt's last-position logits.
  std::vector<std::vector<float>> prefill_packed(std::span<const PreparedPrompt> prompts,
                                                 std::span<const std::int64_t> slots, KvCache& cache,
                                                 std::int64_t chunk_tokens = 512) const;

  // One batched decode step: token ids[i] is appended to slots[i] at position cache length + rope
  // delta[i]; returns [ids.size(), vocab] logits.
  Activation decode_step(std::span<const std::int32_t> ids, std::span<const std::int64_t> slots,
                         std::span<const std::int64_t> rope_deltas, KvCache& cache) const;

 private:
  const LanguageModel& model_;
  std::int32_t image_pad_id_;
  std::int32_t video_pad_id_;
};

}  // namespace vidscope::vlm
