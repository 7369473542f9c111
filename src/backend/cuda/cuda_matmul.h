#pragma once
// y = x W^T (+ bias) on the GPU (tensor/matmul.h shapes). Up to kGemvMaxRows rows of x: the
// weight-streaming GEMV of gemv.cu, f32 accumulation of the exact weights. More rows: cuBLASLt,
// with x rounded to bf16 and bf16 weights (f16/q8/q4 weights are dequantized to bf16 in panels
// first) multiplied with f32 accumulation; f32 weights use an f32 GEMM. Should cuBLASLt offer no
// algorithm for some operand alignment, the GEMV runs over blocks of 8 rows instead (exact, slow).
// docs/cuda.md has the error bounds.
#include "backend/cuda/cuda_context.h"
#include "tensor/tensor_view.h"

namespace vidscope::backend::cuda {

void matmul(const CudaContext& ctx, const tensor::TensorView& x, const tensor::TensorView& w,
            const tensor::TensorView* bias, const tensor::TensorView& y);

}  // namespace vidscope::backend::cuda
