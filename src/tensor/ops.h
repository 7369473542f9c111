#pragma once
// Rowwise and elementwise ops on f32 views, as the models need them. Every op works row by row over
// x.rows() rows of x.cols() values, splits rows over ctx.pool, and writes y, which must have the
// same shape as x. y may be the same view as x (in place) but must not partially overlap it.
// Mismatched shapes or non-f32 views throw Error(kInternal).
#include "tensor/kernel_context.h"
#include "tensor/tensor_view.h"

namespace vidscope::tensor {

// y = x / sqrt(mean(x^2) + eps) * weight; weight: f32, cols() elements.
void rms_norm(const KernelContext& ctx, const TensorView& x, const TensorView& weight, float eps, const TensorView& y);
// x += delta, then y = rms_norm(x): a residual connection and the norm after it in one pass over
// each row (the same f32 operations as binary(kAdd) followed by rms_norm). delta has x's shape; y
// may be x or delta.
void add_rms_norm(const KernelContext& ctx, const TensorView& x, const TensorView& delta, const TensorView& weight,
                  float eps, const TensorView& y);
// y = (x - mean) / sqrt(var + eps) * weight + bias (biased variance, as torch.nn.LayerNorm).
void layer_norm(const KernelContext& ctx, const TensorView& x, const TensorView& weight, const TensorView& bias,
                float eps, const TensorView& y);
// Softmax over each row (max-subtracted, so any finite input is safe).
void softmax(const KernelContext& ctx, const TensorView& x, const TensorView& y);

enum class UnaryOp {
  kSilu,       // x * sigmoid(x)
  kGelu,       // 0.5 x (1 + erf(x / sqrt 2)), the exact form
  kQuickGelu,  // x * sigmoid(1.702 x) (CLIP / Qwen2-VL vision MLP)
};
const char* unary_op_name(UnaryOp op);
void unary(const KernelContext& ctx, UnaryOp op, const TensorView& x, const TensorView& y);

// y = silu(gate) * up (the gated MLP of Qwen2); all three the same shape.
void swiglu(const KernelContext& ctx, const TensorView& gate, const TensorView& up, const TensorView& y);

enum class BinaryOp { kAdd, kMul };
const char* binary_op_name(BinaryOp op);
// y = a (op) b. b has a's shape, or is a single row broadcast over every row of a.
void binary(const KernelContext& ctx, BinaryOp op, const TensorView& a, const TensorView& b, const TensorView& y);

// Rotary embedding, NeoX rotate_half form, on `heads` heads of `head_dim` values at the start of
// each row of x; columns of y past heads*head_dim are not written. cos and sin: f32 [x.rows(), head_dim], one row per token, both halves filled as
// HF builds them (cat(freqs, freqs)); multimodal RoPE (M-RoPE) is expressed by how the caller
// builds these tables. head_dim must be even.
void rope(const KernelContext& ctx, const TensorView& x, const TensorView& cos, const TensorView& sin,
          std::int64_t heads, std::int64_t head_dim, const TensorView& y);

}  // namespace vidscope::tensor
