// Rowwise and elementwise f32 ops (tensor/ops.h semantics). Norms and softmax give each row one
// block and reduce in f32 through warp shuffles; the rest are grid-stride loops over elements.
// Transcendentals use the accurate CUDA functions (expf, erff), not the fast intrinsics, so results
// stay within a few ulp of the CPU kernels. In-place use (y == x) is safe: each element is read and
// written by the same thread.
#include "backend/cuda/cuda_kernels.h"

namespace vidscope::backend::cuda {

namespace {

constexpr int kRowThreads = 256;
constexpr int kElementThreads = 256;
constexpr int kWarpSize = 32;

__device__ inline float warp_sum(float v) {
#pragma unroll
  for (int offset = kWarpSize / 2; offset > 0; offset /= 2) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}
__device__ inline float warp_max(float v) {
#pragma unroll
  for (int offset = kWarpSize / 2; offset > 0; offset /= 2) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
  return v;
}

// Sum (or max) over the block; every thread gets the result. `scratch` holds one value per warp.
template <bool kMax>
__device__ float block_reduce(float v, float* scratch) {
  const int lane = threadIdx.x % kWarpSize, warp = threadIdx.x / kWarpSize;
  v = kMax ? warp_max(v) : warp_sum(v);
  __syncthreads();  // scratch may still be read by a previous reduction
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  const int warps = blockDim.x / kWarpSize;
  v = lane < warps ? scratch[lane] : (kMax ? -INFINITY : 0.0f);
  return kMax ? warp_max(v) : warp_sum(v);
}

__global__ void rms_norm_kernel(RowsLaunch a, const float* weight, float eps) {
  __shared__ float scratch[kRowThreads / kWarpSize];
  const float* x = a.x + blockIdx.x * a.x_stride;
  float* y = a.y + blockIdx.x * a.y_stride;
  float s = 0.0f;
  for (std::int64_t i = threadIdx.x; i < a.cols; i += blockDim.x) s += x[i] * x[i];
  const float r = 1.0f / sqrtf(block_reduce<false>(s, scratch) / static_cast<float>(a.cols) + eps);
  for (std::int64_t i = threadIdx.x; i < a.cols; i += blockDim.x) y[i] = x[i] * r * weight[i];
}

// The residual add fused in front of rms_norm_kernel: the same f32 operations in the same order.
// A thread updates, then normalizes, only its own elements, so y may alias x or delta.
__global__ void add_rms_norm_kernel(ResidualRows a, const float* weight, float eps) {
  __shared__ float scratch[kRowThreads / kWarpSize];
  float* x = a.x + blockIdx.x * a.x_stride;
  const float* delta = a.delta + blockIdx.x * a.delta_stride;
  float* y = a.y + blockIdx.x * a.y_stride;
  float s = 0.0f;
  for (std::int64_t i = threadIdx.x; i < a.cols; i += blockDim.x) {
    const float v = x[i] + delta[i];
    x[i] = v;
    s += v * v;
  }
  const float r = 1.0f / sqrtf(block_reduce<false>(s, scratch) / static_cast<float>(a.cols) + eps);
  for (std::int64_t i = threadIdx.x; i < a.cols; i += blockDim.x) y[i] = x[i] * r * weight[i];
}

// Whether (v, i) beats (best_v, best_i): a larger value, or an equal one at a lower index, so the
// reduction's order does not matter (a NaN never wins).
__device__ inline bool beats(float v, int i, float best_v, int best_i) {
  return v > best_v || (v == best_v && i < best_i);
}

constexpr int kNoIndex = 0x7fffffff;

__global__ void greedy_tokens_kernel(float* logits, std::int64_t stride, std::int64_t vocab, const std::int64_t* offsets,
                                     const std::int32_t* ids, float penalty, std::int32_t* out) {
  __shared__ float best_values[kRowThreads / kWarpSize];
  __shared__ int best_indices[kRowThreads / kWarpSize];
  float* row = logits + blockIdx.x * stride;
  // The host made each row's ids unique, so no logit is penalized twice.
  for (std::int64_t j = offsets[blockIdx.x] + threadIdx.x; j < offsets[blockIdx.x + 1]; j += blockDim.x) {
    const std::int32_t id = ids[j];
    if (id < 0 || id >= vocab) continue;
    const float l = row[id];
    row[id] = l < 0 ? l * penalty : l / penalty;
  }
  __syncthreads();  // the block's global writes above are visible to all its threads after this
  float v = -INFINITY;
  int index = kNoIndex;
  for (std::int64_t i = threadIdx.x; i < vocab; i += blockDim.x) {
    if (beats(row[i], static_cast<int>(i), v, index)) {
      v = row[i];
      index = static_cast<int>(i);
    }
  }
#pragma unroll
  for (int offset = kWarpSize / 2; offset > 0; offset /= 2) {
    const float other_v = __shfl_xor_sync(0xffffffffu, v, offset);
    const int other_index = __shfl_xor_sync(0xffffffffu, index, offset);
    if (beats(other_v, other_index, v, index)) {
      v = other_v;
      index = other_index;
    }
  }
  const int lane = threadIdx.x % kWarpSize, warp = threadIdx.x / kWarpSize;
  if (lane == 0) {
    best_values[warp] = v;
    best_indices[warp] = index;
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    for (int w = 1; w < static_cast<int>(blockDim.x) / kWarpSize; ++w) {
      if (beats(best_values[w], best_indices[w], v, index)) {
        v = best_values[w];
        index = best_indices[w];
      }
    }
    out[blockIdx.x] = index == kNoIndex ? 0 : index;  // every value NaN: index 0, as the host's argmax
  }
}

// Two passes (mean, then the centered variance), as the CPU kernel: no cancellation for rows with
// a large mean.
__global__ void layer_norm_kernel(RowsLaunch a, const float* weight, const float* bias, float eps) {
  __shared__ float scratch[kRowThreads / kWarpSize];
  const float* x = a.x + blockIdx.x * a.x_stride;
  float* y = a.y + blockIdx.x * a.y_stride;
  const float n = static_cast<float>(a.cols);
  float s = 0.0f;
  for (std::int64_t i = threadIdx.x; i < a.cols; i += blockDim.x) s += x[i];
  const float mean = block_reduce<false>(s, scratch) / n;
  float v = 0.0f;
  for (std::int64_t i = threadIdx.x; i < a.cols; i += blockDim.x) v += (x[i] - mean) * (x[i] - mean);
  const float r = 1.0f / sqrtf(block_reduce<false>(v, scratch) / n + eps);
  for (std::int64_t i = threadIdx.x; i < a.cols; i += blockDim.x) y[i] = (x[i] - mean) * r * weight[i] + bias[i];
}

__global__ void softmax_kernel(RowsLaunch a) {
  __shared__ float scratch[kRowThreads / kWarpSize];
  const float* x = a.x + blockIdx.x * a.x_stride;
  float* y = a.y + blockIdx.x * a.y_stride;
  float m = -INFINITY;
  for (std::int64_t i = threadIdx.x; i < a.cols; i += blockDim.x) m = fmaxf(m, x[i]);
  m = block_reduce<true>(m, scratch);
  float s = 0.0f;
  for (std::int64_t i = threadIdx.x; i < a.cols; i += blockDim.x) {
    const float e = expf(x[i] - m);
    y[i] = e;
    s += e;
  }
  const float inv = 1.0f / block_reduce<false>(s, scratch);
  for (std::int64_t i = threadIdx.x; i < a.cols; i += blockDim.x) y[i] *= inv;
}

__device__ inline float sigmoid_mul(float x, float alpha) { return x / (1.0f + expf(-alpha * x)); }

template <Unary kOp>
__device__ inline float unary_value(float v) {
  if constexpr (kOp == Unary::kSilu) return sigmoid_mul(v, 1.0f);
  if constexpr (kOp == Unary::kQuickGelu) return sigmoid_mul(v, 1.702f);
  return 0.5f * v * (1.0f + erff(v * 0.70710678118654752f));
}

// Elementwise: y[r][c] = f(r, c), with the row/column split of a flat index.
template <typename F>
__global__ void elementwise_kernel(std::int64_t rows, std::int64_t cols, F f) {
  const std::int64_t total = rows * cols;
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    f(i / cols, i % cols);
  }
}

unsigned element_blocks(std::int64_t total) {
  const std::int64_t wanted = (total + kElementThreads - 1) / kElementThreads;
  return static_cast<unsigned>(wanted < 8192 ? (wanted > 0 ? wanted : 1) : 8192);
}

template <typename F>
cudaError_t launch_elementwise(std::int64_t rows, std::int64_t cols, F f, cudaStream_t stream) {
  if (rows * cols == 0) return cudaSuccess;
  elementwise_kernel<<<element_blocks(rows * cols), kElementThreads, 0, stream>>>(rows, cols, f);
  return cudaGetLastError();
}

template <Unary kOp>
cudaError_t launch_unary_typed(const RowsLaunch& a, cudaStream_t stream) {
  return launch_elementwise(
      a.rows, a.cols,
      [a] __device__(std::int64_t r, std::int64_t c) { a.y[r * a.y_stride + c] = unary_value<kOp>(a.x[r * a.x_stride + c]); },
      stream);
}

bool empty(const RowsLaunch& a) { return a.rows <= 0 || a.cols <= 0; }

}  // namespace

cudaError_t launch_rms_norm(const RowsLaunch& a, const float* weight, float eps, cudaStream_t stream) {
  if (empty(a)) return cudaSuccess;
  rms_norm_kernel<<<static_cast<unsigned>(a.rows), kRowThreads, 0, stream>>>(a, weight, eps);
  return cudaGetLastError();
}

cudaError_t launch_add_rms_norm(const ResidualRows& a, const float* weight, float eps, cudaStream_t stream) {
  if (a.rows <= 0 || a.cols <= 0) return cudaSuccess;
  add_rms_norm_kernel<<<static_cast<unsigned>(a.rows), kRowThreads, 0, stream>>>(a, weight, eps);
  return cudaGetLastError();
}

cudaError_t launch_greedy_tokens(float* logits, std::int64_t stride, std::int64_t rows, std::int64_t vocab,
                                 const std::int64_t* offsets, const std::int32_t* ids, float penalty, std::int32_t* out,
                                 cudaStream_t stream) {
  if (rows <= 0) return cudaSuccess;
  greedy_tokens_kernel<<<static_cast<unsigned>(rows), kRowThreads, 0, stream>>>(logits, stride, vocab, offsets, ids,
                                                                                penalty, out);
  return cudaGetLastError();
}

cudaError_t launch_layer_norm(const RowsLaunch& a, const float* weight, const float* bias, float eps,
                              cudaStream_t stream) {
  if (empty(a)) return cudaSuccess;
  layer_norm_kernel<<<static_cast<unsigned>(a.rows), kRowThreads, 0, stream>>>(a, weight, bias, eps);
  return cudaGetLastError();
}

cudaError_t launch_softmax(const RowsLaunch& a, cudaStream_t stream) {
  if (empty(a)) return cudaSuccess;
  softmax_kernel<<<static_cast<unsigned>(a.rows), kRowThreads, 0, stream>>>(a);
  return cudaGetLastError();
}

cudaError_t launch_unary(Unary op, const RowsLaunch& a, cudaStream_t stream) {
  switch (op) {
    case Unary::kSilu: return launch_unary_typed<Unary::kSilu>(a, stream);
    case Unary::kGelu: return launch_unary_typed<Unary::kGelu>(a, stream);
    case Unary::kQuickGelu: return launch_unary_typed<Unary::kQuickGelu>(a, stream);
  }
  return cudaErrorInvalidValue;
}

cudaError_t launch_swiglu(const RowsLaunch& a, const float* up, std::int64_t up_stride, cudaStream_t stream) {
  return launch_elementwise(
      a.rows, a.cols,
      [a, up, up_stride] __device__(std::int64_t r, std::int64_t c) {
        a.y[r * a.y_stride + c] = sigmoid_mul(a.x[r * a.x_stride + c], 1.0f) * up[r * up_stride + c];
      },
      stream);
}

cudaError_t launch_binary(Binary op, const RowsLaunch& a, const float* b, std::int64_t b_stride, cudaStream_t stream) {
  if (op == Binary::kAdd) {
    return launch_elementwise(
        a.rows, a.cols,
        [a, b, b_stride] __device__(std::int64_t r, std::int64_t c) {
          a.y[r * a.y_stride + c] = a.x[r * a.x_stride + c] + b[r * b_stride + c];
        },
        stream);
  }
  return launch_elementwise(
      a.rows, a.cols,
      [a, b, b_stride] __device__(std::int64_t r, std::int64_t c) {
        a.y[r * a.y_stride + c] = a.x[r * a.x_stride + c] * b[r * b_stride + c];
      },
      stream);
}

// One thread per rotated pair (i, i + half) of one head of one row.
cudaError_t launch_rope(const RowsLaunch& a, const float* cos, std::int64_t cos_stride, const float* sin,
                        std::int64_t sin_stride, std::int64_t heads, std::int64_t head_dim, cudaStream_t stream) {
  const std::int64_t half = head_dim / 2;
  return launch_elementwise(
      a.rows, heads * half,
      [=] __device__(std::int64_t r, std::int64_t pair) {
        const std::int64_t head = pair / half, i = pair % half;
        const float* x = a.x + r * a.x_stride + head * head_dim;
        float* y = a.y + r * a.y_stride + head * head_dim;
        const float* c = cos + r * cos_stride;
        const float* s = sin + r * sin_stride;
        const float x1 = x[i], x2 = x[i + half];
        y[i] = x1 * c[i] - x2 * s[i];
        y[i + half] = x2 * c[i + half] + x1 * s[i + half];
      },
      stream);
}

}  // namespace vidscope::backend::cuda
