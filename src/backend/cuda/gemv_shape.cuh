#pragma once
// What the two GEMV kernels share (gemv.cu: f32/f16/bf16 weights with f32 x; gemv_int8.cu: q8/q4
// weights with int8 x): the warp layout, K split over 1, 2 or 4 warps when the output rows are too
// few to fill the GPU, the final reduction and write of y, the launch shape, the dispatch on the
// number of rows, and the little-endian reads of the quantized layouts.
#include <cuda_fp16.h>

#include <type_traits>

#include "backend/cuda/cuda_kernels.h"

namespace vidscope::backend::cuda::gemv {

constexpr int kWarpSize = 32;
constexpr int kRowsPerWarp = 2;  // output rows per warp: each x value fetched serves both
constexpr int kWarpsPerBlock = 4;

__device__ inline float f16_bits(unsigned bits16) {
  return __half2float(__ushort_as_half(static_cast<unsigned short>(bits16)));
}
// A little-endian f32 at any alignment (q8 rows are K + 4 bytes long).
__device__ inline float load_f32_unaligned(const unsigned char* p) {
  return __uint_as_float(unsigned(p[0]) | (unsigned(p[1]) << 8) | (unsigned(p[2]) << 16) | (unsigned(p[3]) << 24));
}

// Value k of a q8 row (4-byte scale, then int8 codes), before the row scale.
__device__ inline float q8_code(const unsigned char* row, std::int64_t k) {
  return static_cast<float>(static_cast<signed char>(row[4 + k]));
}
// Value k of a q4 row: blocks of 18 bytes, an f16 scale then 16 bytes of nibbles (code + 8; the low
// nibbles are values 0..15 of the block, the high ones 16..31).
__device__ inline float q4_value(const unsigned char* row, std::int64_t k) {
  const unsigned char* block = row + (k / 32) * 18;
  const int j = static_cast<int>(k % 32);
  const unsigned char byte = block[2 + (j & 15)];
  const int code = (j < 16 ? (byte & 0xf) : (byte >> 4)) - 8;
  return f16_bits(unsigned(block[0]) | (unsigned(block[1]) << 8)) * static_cast<float>(code);
}

// Where a thread of a GEMV block stands: its lane, its warp's pair of output rows (n0, n0 + 1), the
// warp's share of K (part of split), and the two weight rows (a row past N re-reads row 0, unused:
// the warp stays to meet the block barrier of finish_rows).
struct WarpRows {
  int lane = 0, part = 0;
  std::int64_t n0 = 0;
  bool active = false;
  const unsigned char* row[kRowsPerWarp] = {};
  std::int64_t first = 0;   // the lane's first unit along K
  std::int64_t stride = 0;  // units between a lane's consecutive ones

  __device__ WarpRows(const GemvLaunch& a, int split) {
    lane = static_cast<int>(threadIdx.x) % kWarpSize;
    const int warp = static_cast<int>(threadIdx.x) / kWarpSize;
    part = warp % split;
    n0 = (static_cast<std::int64_t>(blockIdx.x) * (kWarpsPerBlock / split) + warp / split) * kRowsPerWarp;
    active = n0 < a.n;
    const auto* w = static_cast<const unsigned char*>(a.w);
#pragma unroll
    for (int g = 0; g < kRowsPerWarp; ++g) row[g] = w + (n0 + g < a.n ? n0 + g : 0) * static_cast<std::int64_t>(a.w_stride_bytes);
    first = static_cast<std::int64_t>(part) * kWarpSize + lane;
    stride = static_cast<std::int64_t>(split) * kWarpSize;
  }
};

// Each lane's partial sums of rows n0, n0 + 1 (x rows 0..R-1) summed over the warp, the shares of the
// other warps splitting K added through `partial`, then y = sum * scale[g] + bias. Every thread of the
// block calls it (the split is block-uniform).
template <int R>
__device__ inline void finish_rows(float (&acc)[kRowsPerWarp][R], float (&partial)[kWarpsPerBlock][kRowsPerWarp][R],
                                   int split, bool active, std::int64_t n0, const float (&scale)[kRowsPerWarp],
                                   const GemvLaunch& a) {
  const int lane = static_cast<int>(threadIdx.x) % kWarpSize;
  const int warp = static_cast<int>(threadIdx.x) / kWarpSize;
#pragma unroll
  for (int g = 0; g < kRowsPerWarp; ++g) {
#pragma unroll
    for (int r = 0; r < R; ++r) {
      float v = acc[g][r];
#pragma unroll
      for (int offset = kWarpSize / 2; offset > 0; offset /= 2) v += __shfl_xor_sync(0xffffffffu, v, offset);
      acc[g][r] = v;
      if (lane == 0) partial[warp][g][r] = v;
    }
  }
  if (split > 1) __syncthreads();
  if (warp % split != 0 || !active) return;
#pragma unroll
  for (int g = 0; g < kRowsPerWarp; ++g) {
    const std::int64_t n = n0 + g;
#pragma unroll
    for (int r = 0; r < R; ++r) {
      if (lane == g * R + r && n < a.n && r < a.rows) {
        float v = acc[g][r];
        for (int s = 1; s < split; ++s) v += partial[warp + s][g][r];
        a.y[r * a.y_stride + n] = v * scale[g] + (a.bias != nullptr ? a.bias[n] : 0.0f);
      }
    }
  }
}

// Values k0, k0 + stride, ... < k_end one at a time (the columns after the last whole word, or all
// of them when the rows do not allow vector loads): Traits::scalar(row, k) times x_at(r, k).
template <typename Traits, int R, typename XAt>
__device__ inline void accumulate_scalar(const unsigned char* const (&row)[kRowsPerWarp], std::int64_t k0,
                                         std::int64_t k_end, std::int64_t stride, int rows, XAt x_at,
                                         float (&acc)[kRowsPerWarp][R]) {
  for (std::int64_t k = k0; k < k_end; k += stride) {
    float wk[kRowsPerWarp];
#pragma unroll
    for (int g = 0; g < kRowsPerWarp; ++g) wk[g] = Traits::scalar(row[g], k);
#pragma unroll
    for (int r = 0; r < R; ++r) {
      if (r < rows) {
        const float xv = x_at(r, k);
#pragma unroll
        for (int g = 0; g < kRowsPerWarp; ++g) acc[g][r] += wk[g] * xv;
      }
    }
  }
}

// finish_rows with each row's Traits::row_scale.
template <typename Traits, int R>
__device__ inline void finish_scaled_rows(float (&acc)[kRowsPerWarp][R],
                                          float (&partial)[kWarpsPerBlock][kRowsPerWarp][R], int split, bool active,
                                          std::int64_t n0, const unsigned char* const (&row)[kRowsPerWarp],
                                          const GemvLaunch& a) {
  float scale[kRowsPerWarp];
#pragma unroll
  for (int g = 0; g < kRowsPerWarp; ++g) scale[g] = Traits::row_scale(row[g]);
  finish_rows<R>(acc, partial, split, active, n0, scale, a);
}

struct LaunchShape {
  dim3 grid, block;
  int split = 1;  // warps per pair of output rows
};

// Enough row pairs for 32 warps per multiprocessor keep one warp each; fewer pairs split K over 2 or
// 4 warps (N = 3584 on an H100's 132 multiprocessors: 1792 pairs, split 4).
inline LaunchShape launch_shape(std::int64_t n) {
  const int multiprocessors = gemv_multiprocessor_count();
  const std::int64_t pairs = (n + kRowsPerWarp - 1) / kRowsPerWarp;
  LaunchShape s;
  s.split = pairs >= 32LL * multiprocessors ? 1 : (pairs >= 16LL * multiprocessors ? 2 : 4);
  const std::int64_t pairs_per_block = kWarpsPerBlock / s.split;
  s.grid = dim3(static_cast<unsigned>((pairs + pairs_per_block - 1) / pairs_per_block));
  s.block = dim3(kWarpsPerBlock * kWarpSize);
  return s;
}

// launch(std::integral_constant<int, R>{}) with R the kernel's row count for `rows` (1, 2, 4 or 8).
template <typename Launch>
void dispatch_rows(int rows, Launch&& launch) {
  if (rows <= 1) {
    launch(std::integral_constant<int, 1>{});
  } else if (rows <= 2) {
    launch(std::integral_constant<int, 2>{});
  } else if (rows <= 4) {
    launch(std::integral_constant<int, 4>{});
  } else {
    launch(std::integral_constant<int, 8>{});
  }
}

}  // namespace vidscope::backend::cuda::gemv
