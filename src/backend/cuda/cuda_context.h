#pragma once
// What the op implementations of the CUDA backend share: the device, the stream every op is queued
// on, the cuBLASLt handle, and a scratch area owned (and accounted) by the backend.
#include <cstdint>
#include <functional>
#include <string_view>

#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include "base/units.h"
#include "tensor/tensor_view.h"

namespace vidscope::backend::cuda {

struct CudaContext {
  int device = 0;
  cudaStream_t stream = nullptr;
  cublasLtHandle_t lt = nullptr;
  // Matmuls with at most this many rows of x take the GEMV kernels; more take cuBLASLt (x rounded to
  // bf16 for non-f32 weights). 0..kGemvMaxRows, or -1: gemv_max_rows_for(the weight type).
  int gemv_max_rows = -1;
  // Device memory of at least `bytes` bytes, 256-byte aligned, for use by work queued on `stream`
  // until the next call (growing it waits for the queued work). Throws Error(kBudget) when the
  // device or the backend's byte limit has no room.
  std::function<void*(Bytes bytes)> scratch;
};

// The row stride of an f32 view in floats; throws Error(kInternal) naming `op` when the view's
// rows are not whole floats apart or its data is not 4-byte aligned.
std::int64_t float_stride(std::string_view op, const tensor::TensorView& view);

}  // namespace vidscope::backend::cuda
