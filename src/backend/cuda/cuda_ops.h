#pragma once
// The non-matmul ops of the CUDA backend: shape checks as tensor/ops.h and tensor/attention.h,
// then the kernels of elementwise.cu and attention.cu (or a 2-D memcpy for copy).
#include <cstdint>
#include <span>

#include "backend/backend.h"
#include "backend/cuda/cuda_context.h"
#include "tensor/attention.h"
#include "tensor/ops.h"
#include "tensor/tensor_view.h"

namespace vidscope::backend::cuda {

using tensor::TensorView;

void rms_norm(const CudaContext& ctx, const TensorView& x, const TensorView& weight, float eps, const TensorView& y);
void add_rms_norm(const CudaContext& ctx, const TensorView& x, const TensorView& delta, const TensorView& weight, float eps,
                  const TensorView& y);
void greedy_tokens(const CudaContext& ctx, const TensorView& logits, std::span<const std::span<const std::int32_t>> penalized,
                   float penalty, std::span<std::int32_t> out);
void layer_norm(const CudaContext& ctx, const TensorView& x, const TensorView& weight, const TensorView& bias, float eps,
                const TensorView& y);
void softmax(const CudaContext& ctx, const TensorView& x, const TensorView& y);
void unary(const CudaContext& ctx, tensor::UnaryOp op, const TensorView& x, const TensorView& y);
void swiglu(const CudaContext& ctx, const TensorView& gate, const TensorView& up, const TensorView& y);
void binary(const CudaContext& ctx, tensor::BinaryOp op, const TensorView& a, const TensorView& b, const TensorView& y);
void rope(const CudaContext& ctx, const TensorView& x, const TensorView& cos, const TensorView& sin, std::int64_t heads,
          std::int64_t head_dim, const TensorView& y);
void attention(const CudaContext& ctx, const TensorView& q, const TensorView& k, const TensorView& v,
               const tensor::AttentionParams& params, const TensorView& out);
// Every call of a decode step: the one-query-row calls that fit the decode kernel go in one launch,
// the rest one by one through attention().
void attention_batch(const CudaContext& ctx, std::span<const tensor::AttentionCall> calls);
void copy(const CudaContext& ctx, const TensorView& src, const TensorView& dst);
// Every call checked as copy() checks it; f32 copies go through one launch (copy_rows.cu).
void copy_batch(const CudaContext& ctx, std::span<const CopyCall> calls);

}  // namespace vidscope::backend::cuda
