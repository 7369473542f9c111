#pragma once
// y = x W^T (+ bias): the Linear layer. x is f32 [M, K], W is [N, K] row-major in any DType
// (PyTorch's [out, in] layout), bias f32 [N] or absent, y f32 [M, N]. Views may have any row
// stride (so x can be a column slice of a wider activation, and y a slice of a fused output).
//
// Two paths, both exact f32 accumulation of the (dequantized) weights:
//  - M <= kGemvMaxRows (decode, small batches): every weight row is streamed from memory once and
//    applied to all M rows of x, so batch 8 costs little more than batch 1 (memory bound).
//    With q8/q4 weights, x is first rounded to int8 per block of 32 (activation_int8.h: at most
//    1/254 of each block's largest magnitude) on every SIMD level, so all levels compute the same
//    product; levels with gemv_int8 kernels (avx512_vnni) then multiply in integers, the others
//    multiply the rounded values in f32.
//  - larger M (prefill, vision tower): W is converted to f32 in panels of gemm_nr columns x 256
//    inputs, once per panel, and reused by register-tiled FMA over all rows of x (f32 activations).
// Work is split over ctx.pool by output columns (and by rows of x when columns are few).
// Throws Error(kInternal) on mismatched shapes or types (a bug in the caller, not bad input).
// y must not overlap x, W or bias.
#include "tensor/kernel_context.h"
#include "tensor/tensor_view.h"

namespace vidscope::tensor {

void matmul(const KernelContext& ctx, const TensorView& x, const TensorView& w, const TensorView* bias,
            const TensorView& y);

}  // namespace vidscope::tensor
