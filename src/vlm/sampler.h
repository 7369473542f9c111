#pragma once
// Picks the next token from a row of logits, as transformers' generate() does with the usual logits
// processors, in the same order: repetition penalty (over every id already in the sequence, prompt
// included) -> greedy argmax, or temperature -> top-k -> top-p -> softmax -> draw.
// Greedy ties go to the lowest id (numpy / torch argmax). Draws use a seeded std::mt19937_64, so a
// given seed gives the same text on every run.
// Not thread-safe (the RNG); one sampler per sequence.
#include <cstdint>
#include <random>
#include <span>

#include "models/processing_config.h"
#include "tensor/greedy_choice.h"

namespace vidscope::vlm {

struct SamplingParams {
  bool do_sample = false;            // false: greedy
  double temperature = 1.0;          // > 0
  std::int64_t top_k = 0;            // 0: off
  double top_p = 1.0;                // in (0, 1]; 1: off
  double repetition_penalty = 1.0;   // 1: off
  std::uint64_t seed = 0;

  // True when the settings can only ever choose the argmax (top_k 1, or no sampling).
  bool is_greedy() const { return !do_sample || top_k == 1; }
  // The penalty as the greedy choice applies it (tensor/greedy_choice.h).
  float penalty() const { return static_cast<float>(repetition_penalty); }
};

// The defaults of generation_config.json (absent keys keep the fields above). Throws vidscope::Error
// (input) via validate when the file's values are impossible.
SamplingParams sampling_from_generation_config(const models::GenerationConfig& config);
// Throws vidscope::Error (usage) for a non-positive temperature, negative top_k, top_p outside (0, 1] or
// a non-positive repetition penalty.
void validate_sampling(const SamplingParams& params);

class Sampler {
 public:
  explicit Sampler(const SamplingParams& params);

  // `logits` is modified (penalty, temperature). `history`: the ids of the sequence so far.
  std::int32_t sample(std::span<float> logits, std::span<const std::int32_t> history);

 private:
  SamplingParams params_;
  std::mt19937_64 rng_;
};

// Index of the largest value; the lowest index among equals.
using tensor::argmax;

}  // namespace vidscope::vlm
