// Decode-sized matmul (y = x W^T + bias for 1..8 rows of x) for f32/f16/bf16 weights, and the
// weight/activation conversions of the GEMM path (q8/q4 GEMVs are in gemv_int8.cu). The GEMV is
// memory bound: every weight byte is read once per call, so the kernel is built around the loads.
// Each warp (or 2-4 warps, see gemv_kernel) owns kRowsPerWarp output rows (a pair of weight rows,
// so each x value fetched serves both), its lanes stride along K one 16-byte word at a time, with
// 64 bytes in flight per lane before the first is used (what a warp needs to cover HBM latency
// when the rows are few, e.g. N = 3584). Weights are loaded with the streaming cache hint (read
// once), x through the read-only path (re-read by every warp, stays in L1/L2). Accumulation is
// f32 of exactly converted weights, as the CPU kernels: results differ from them only by
// summation order. Columns past the last whole word (and every column when the pointers do not
// allow vector loads) go through a scalar path that reads any alignment.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <atomic>

#include "backend/cuda/cuda_kernels.h"
#include "backend/cuda/gemv_shape.cuh"

namespace vidscope::backend::cuda {

namespace {

using namespace gemv;  // NOLINT: the shared GEMV layout
constexpr int kConvertThreads = 256;

__device__ inline float bf16_bits(unsigned bits16) { return __uint_as_float(bits16 << 16); }

// x[r][k0 .. k0+4*count) dotted with four weights at a time.
__device__ inline float dot4(const float4 x, float w0, float w1, float w2, float w3) {
  return x.x * w0 + x.y * w1 + x.z * w2 + x.w * w3;
}

__device__ inline float4 load_x4(const float* x, std::int64_t offset) {
  return __ldg(reinterpret_cast<const float4*>(x + offset));
}

// Per weight type: the vector word, its element count, how many words a lane keeps in flight,
// the value of element k read one at a time (`scalar`, before the per-row scale) and the per-row
// scale (only q8 has one; q4's scales are per block and applied inside).
template <WeightType T>
struct Traits;

template <>
struct Traits<WeightType::kF32> {
  using Word = float4;
  static constexpr int kElems = 4;
  static constexpr int kUnroll = 2;
  __device__ static Word load(const unsigned char* row, std::int64_t u) {
    return __ldcs(reinterpret_cast<const float4*>(row) + u);
  }
  __device__ static float scalar(const unsigned char* row, std::int64_t k) {
    return reinterpret_cast<const float*>(row)[k];
  }
  __device__ static float row_scale(const unsigned char*) { return 1.0f; }
  template <int R>
  __device__ static void accumulate(const Word& w, std::int64_t u, const float* x, std::int64_t xs, int rows,
                                    float (&acc)[R]) {
#pragma unroll
    for (int r = 0; r < R; ++r) {
      if (r < rows) acc[r] += dot4(load_x4(x + r * xs, u * 4), w.x, w.y, w.z, w.w);
    }
  }
};

// bf16 and f16 share the 16-byte word of eight halves.
template <bool kBrain>
struct HalfTraits {
  using Word = uint4;
  static constexpr int kElems = 8;
  static constexpr int kUnroll = 2;
  __device__ static float half(unsigned bits16) { return kBrain ? bf16_bits(bits16) : f16_bits(bits16); }
  __device__ static Word load(const unsigned char* row, std::int64_t u) {
    return __ldcs(reinterpret_cast<const uint4*>(row) + u);
  }
  __device__ static float scalar(const unsigned char* row, std::int64_t k) {
    return half(reinterpret_cast<const unsigned short*>(row)[k]);
  }
  __device__ static float row_scale(const unsigned char*) { return 1.0f; }
  template <int R>
  __device__ static void accumulate(const Word& w, std::int64_t u, const float* x, std::int64_t xs, int rows,
                                    float (&acc)[R]) {
    const float w0 = half(w.x & 0xffffu), w1 = half(w.x >> 16), w2 = half(w.y & 0xffffu), w3 = half(w.y >> 16);
    const float w4 = half(w.z & 0xffffu), w5 = half(w.z >> 16), w6 = half(w.w & 0xffffu), w7 = half(w.w >> 16);
#pragma unroll
    for (int r = 0; r < R; ++r) {
      if (r < rows) {
        const float* xr = x + r * xs + u * 8;
        acc[r] += dot4(load_x4(xr, 0), w0, w1, w2, w3) + dot4(load_x4(xr, 4), w4, w5, w6, w7);
      }
    }
  }
};
template <>
struct Traits<WeightType::kBF16> : HalfTraits<true> {};
template <>
struct Traits<WeightType::kF16> : HalfTraits<false> {};

// q8 and q4 are multiplied by gemv_int8.cu (int8 activations); here they only need their values
// one at a time, for the bf16 conversion of the GEMM path.
template <>
struct Traits<WeightType::kQ8> {
  __device__ static float scalar(const unsigned char* row, std::int64_t k) { return q8_code(row, k); }
  __device__ static float row_scale(const unsigned char* row) { return load_f32_unaligned(row); }
};

// q4: blocks of 18 bytes, an f16 scale then 16 bytes of nibbles (code + 8; low nibbles values 0..15).
template <>
struct Traits<WeightType::kQ4> {
  __device__ static float scalar(const unsigned char* row, std::int64_t k) { return q4_value(row, k); }
  __device__ static float row_scale(const unsigned char*) { return 1.0f; }
};

// `split` warps (1, 2 or 4, dividing kWarpsPerBlock) share one pair of rows, their lanes
// interleaved along K, and add their partial sums through shared memory: few output rows (N = 3584
// or 512 at 7B) then still give the GPU enough warps, and bytes in flight, to saturate HBM.
template <WeightType T, int R>
__global__ void __launch_bounds__(kWarpsPerBlock* kWarpSize) gemv_kernel(GemvLaunch a, int split) {
  using Tr = Traits<T>;
  __shared__ float partial[kWarpsPerBlock][kRowsPerWarp][R];
  const gemv::WarpRows at(a, split);
  const std::int64_t n0 = at.n0;
  const bool active = at.active;
  const auto& row = at.row;
  float acc[kRowsPerWarp][R] = {};

  constexpr int kUnroll = Tr::kUnroll;
  const std::int64_t words = active && a.vector_loads ? a.k / Tr::kElems : 0;
  const std::int64_t first = at.first, stride = at.stride;
  for (std::int64_t base = first; base < words; base += stride * kUnroll) {
    typename Tr::Word word[kUnroll][kRowsPerWarp];
#pragma unroll
    for (int i = 0; i < kUnroll; ++i) {
      const std::int64_t u = base + i * stride;
#pragma unroll
      for (int g = 0; g < kRowsPerWarp; ++g) {
        if (u < words) word[i][g] = Tr::load(row[g], u);
      }
    }
#pragma unroll
    for (int i = 0; i < kUnroll; ++i) {
      const std::int64_t u = base + i * stride;
#pragma unroll
      for (int g = 0; g < kRowsPerWarp; ++g) {
        if (u < words) Tr::template accumulate<R>(word[i][g], u, a.x, a.x_stride, a.rows, acc[g]);
      }
    }
  }
  const std::int64_t k_end = active ? a.k : 0;
  gemv::accumulate_scalar<Tr, R>(
      row, (a.vector_loads ? a.k / Tr::kElems : 0) * Tr::kElems + first, k_end, stride, a.rows,
      [&](int r, std::int64_t k) { return __ldg(a.x + r * a.x_stride + k); }, acc);
  gemv::finish_scaled_rows<Tr, R>(acc, partial, split, active, n0, row, a);
}

template <WeightType T>
cudaError_t launch_gemv_typed(const GemvLaunch& a, cudaStream_t stream) {
  const gemv::LaunchShape shape = gemv::launch_shape(a.n);
  gemv::dispatch_rows(a.rows, [&](auto rows) {
    gemv_kernel<T, decltype(rows)::value><<<shape.grid, shape.block, 0, stream>>>(a, shape.split);
  });
  return cudaGetLastError();
}

template <WeightType T>
__global__ void weights_to_bf16_kernel(const unsigned char* w, std::size_t stride, std::int64_t rows,
                                       std::int64_t cols, __nv_bfloat16* dst) {
  const std::int64_t total = rows * cols;
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t r = i / cols, c = i % cols;
    const unsigned char* row = w + r * static_cast<std::int64_t>(stride);
    dst[i] = __float2bfloat16_rn(Traits<T>::scalar(row, c) * Traits<T>::row_scale(row));
  }
}

__global__ void f32_to_bf16_kernel(const float* x, std::int64_t stride, std::int64_t rows, std::int64_t cols,
                                   __nv_bfloat16* dst) {
  const std::int64_t total = rows * cols;
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    dst[i] = __float2bfloat16_rn(x[(i / cols) * stride + i % cols]);
  }
}

__global__ void add_bias_kernel(float* y, std::int64_t stride, std::int64_t rows, std::int64_t cols, const float* bias) {
  const std::int64_t total = rows * cols;
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    y[(i / cols) * stride + i % cols] += bias[i % cols];
  }
}

// Grid-stride launches: enough blocks to fill any current GPU, never more than the work.
unsigned convert_blocks(std::int64_t total) {
  const std::int64_t wanted = (total + kConvertThreads - 1) / kConvertThreads;
  return static_cast<unsigned>(wanted < 4096 ? (wanted > 0 ? wanted : 1) : 4096);
}

}  // namespace

// The current device's multiprocessor count (asked once per device; 132 on an H100 SXM).
int gemv_multiprocessor_count() {
  constexpr int kMaxDevices = 64;
  static std::atomic<int> cached[kMaxDevices];  // 0: not asked yet
  int device = 0;
  if (cudaGetDevice(&device) != cudaSuccess || device < 0 || device >= kMaxDevices) return 132;
  int count = cached[device].load(std::memory_order_relaxed);
  if (count == 0) {
    if (cudaDeviceGetAttribute(&count, cudaDevAttrMultiProcessorCount, device) != cudaSuccess || count <= 0) count = 132;
    cached[device].store(count, std::memory_order_relaxed);
  }
  return count;
}

std::size_t gemv_vector_alignment(WeightType type) {
  return (type == WeightType::kQ8 || type == WeightType::kQ4) ? 4 : 16;
}

cudaError_t launch_gemv(const GemvLaunch& a, cudaStream_t stream) {
  switch (a.type) {
    case WeightType::kF32: return launch_gemv_typed<WeightType::kF32>(a, stream);
    case WeightType::kF16: return launch_gemv_typed<WeightType::kF16>(a, stream);
    case WeightType::kBF16: return launch_gemv_typed<WeightType::kBF16>(a, stream);
    case WeightType::kQ8:
    case WeightType::kQ4: break;  // launch_gemv_int8
  }
  return cudaErrorInvalidValue;
}

cudaError_t launch_f32_to_bf16(const float* x, std::int64_t x_stride, std::int64_t rows, std::int64_t cols,
                               std::uint16_t* dst, cudaStream_t stream) {
  f32_to_bf16_kernel<<<convert_blocks(rows * cols), kConvertThreads, 0, stream>>>(
      x, x_stride, rows, cols, reinterpret_cast<__nv_bfloat16*>(dst));
  return cudaGetLastError();
}

cudaError_t launch_weights_to_bf16(WeightType type, const void* w, std::size_t w_stride_bytes, std::int64_t rows,
                                   std::int64_t cols, std::uint16_t* dst, cudaStream_t stream) {
  const auto* src = static_cast<const unsigned char*>(w);
  auto* out = reinterpret_cast<__nv_bfloat16*>(dst);
  const unsigned blocks = convert_blocks(rows * cols);
  switch (type) {
    case WeightType::kF32:
      weights_to_bf16_kernel<WeightType::kF32><<<blocks, kConvertThreads, 0, stream>>>(src, w_stride_bytes, rows, cols, out);
      break;
    case WeightType::kF16:
      weights_to_bf16_kernel<WeightType::kF16><<<blocks, kConvertThreads, 0, stream>>>(src, w_stride_bytes, rows, cols, out);
      break;
    case WeightType::kBF16:
      weights_to_bf16_kernel<WeightType::kBF16><<<blocks, kConvertThreads, 0, stream>>>(src, w_stride_bytes, rows, cols, out);
      break;
    case WeightType::kQ8:
      weights_to_bf16_kernel<WeightType::kQ8><<<blocks, kConvertThreads, 0, stream>>>(src, w_stride_bytes, rows, cols, out);
      break;
    case WeightType::kQ4:
      weights_to_bf16_kernel<WeightType::kQ4><<<blocks, kConvertThreads, 0, stream>>>(src, w_stride_bytes, rows, cols, out);
      break;
  }
  return cudaGetLastError();
}

cudaError_t launch_add_bias(float* y, std::int64_t y_stride, std::int64_t rows, std::int64_t cols, const float* bias,
                            cudaStream_t stream) {
  add_bias_kernel<<<convert_blocks(rows * cols), kConvertThreads, 0, stream>>>(y, y_stride, rows, cols, bias);
  return cudaGetLastError();
}

}  // namespace vidscope::backend::cuda
