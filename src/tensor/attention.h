#pragma once
// Scaled dot-product attention with grouped-query heads, causal or not, optionally restricted to
// segments (the vision tower attends within each image/frame only: cu_seqlens in HF).
//
// Layout: q is f32 [Tq, q_heads * head_dim] (head h at columns h*head_dim...), k and v are f32
// [Tk, kv_heads * head_dim], out is f32 [Tq, q_heads * head_dim]. Row strides are free, so q, k and
// v may be column slices of one fused qkv tensor, and k/v a prefix of a larger KV cache.
// Query head h reads kv head h / (q_heads / kv_heads).
//
// Which keys query i sees:
//  - causal: keys j <= query_position + i (query_position = how many tokens precede q row 0 in
//    the key sequence; 0 for prefill, the cache length for decode);
//  - segment_bounds {b0=0, b1, ..., bs=T}: keys in the same [b_s, b_{s+1}) as the query (needs
//    Tq == Tk and query_position == 0); both rules combine when both are given.
// A query that sees no key gets a zero output row. Numerics: online softmax in f32 over blocks of
// kAttentionKeyBlock keys. Work is split over (KV head, query block) on ctx.pool; the query heads
// of one KV head run together so its keys are read once.
// Throws Error(kInternal) on inconsistent shapes or bounds. out must not overlap q, k or v.
#include <cstdint>
#include <span>

#include "tensor/kernel_context.h"
#include "tensor/tensor_view.h"

namespace vidscope::tensor {

struct AttentionParams {
  std::int64_t q_heads = 1;
  std::int64_t kv_heads = 1;  // divides q_heads
  std::int64_t head_dim = 0;
  float scale = 1.0f;         // usually 1/sqrt(head_dim)
  bool causal = false;
  std::int64_t query_position = 0;
  std::span<const std::int64_t> segment_bounds;  // empty: one segment
};

void attention(const KernelContext& ctx, const TensorView& q, const TensorView& k, const TensorView& v,
               const AttentionParams& params, const TensorView& out);

// One problem of attention_batch, with attention()'s arguments.
struct AttentionCall {
  TensorView q, k, v;
  AttentionParams params;
  TensorView out;
};

// Independent attention problems in one parallel pass: at decode, every sequence of a batch against
// its own KV cache. One launch instead of one per sequence, and the pool balances the work of all of
// them (a decode step of one sequence has only as many tasks as KV heads). Same checks and numerics
// as attention(); every call is checked before any runs.
void attention_batch(const KernelContext& ctx, std::span<const AttentionCall> calls);

}  // namespace vidscope::tensor
