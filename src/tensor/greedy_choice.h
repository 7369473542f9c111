#pragma once
// Greedy choice of the next token from rows of logits, as transformers' generate() makes it: the
// repetition penalty over the ids already in a sequence (each id once: its logit divided by the
// penalty when positive, multiplied by it otherwise), then the largest logit, the lowest id among
// equal ones (numpy / torch argmax). One definition for the host sampler and the backends, so a
// device picks the same tokens as the CPU (for finite logits; a NaN is never picked here).
#include <cstdint>
#include <span>
#include <vector>

#include "tensor/kernel_context.h"
#include "tensor/tensor_view.h"

namespace vidscope::tensor {

// Index of the largest value; the lowest index among equals; 0 for an empty span.
std::int32_t argmax(std::span<const float> values);

// The ids sorted, each once.
std::vector<std::int32_t> sorted_unique(std::span<const std::int32_t> ids);

// Applies the penalty to logits[id] for each id of `unique_ids` inside the row (others are skipped).
// penalty 1 changes nothing.
void penalize_repeats(std::span<float> logits, std::span<const std::int32_t> unique_ids, float penalty);

// Throws Error(kInternal) unless logits is an f32 view with one entry of `out` per row and either no
// id lists or one per row (the contract of greedy_tokens, for every backend).
void check_greedy_tokens_args(const TensorView& logits, std::size_t penalized_lists, std::size_t outputs);

// For each row r of `logits` (f32 [rows, vocab], changed in place by the penalty): the ids of
// penalized[r] (repeats allowed) penalized, then out[r] = argmax of the row. penalized is empty or has
// one entry per row; out has one entry per row. Rows run in parallel over ctx.
void greedy_tokens(const KernelContext& ctx, const TensorView& logits,
                   std::span<const std::span<const std::int32_t>> penalized, float penalty, std::span<std::int32_t> out);

}  // namespace vidscope::tensor
