// Decode-sized matmul for q8 and q4 weights with int8 activations, the CPU's recipe
// (tensor/activation_int8.h): x is rounded to int8 per block of 32 values (d = max|x| / 127,
// round half to even, the same f32 operations without contraction, so the codes are the CPU's
// bit for bit), and the weights are multiplied in integers with dp4a, four products per
// instruction. The f32-activation kernel of gemv.cu read x as floats for every weight row pair:
// four bytes of x per weight byte (seven for q4), which left it bound by the L1 cache (profiled at
// 97 % L1 throughput for q4), and it turned every weight code into a float with the quarter-rate
// I2F; here x costs one byte per weight element and no weight is converted.
//
// Each warp (or 2-4 warps sharing K, as in gemv.cu) owns a pair of weight rows; a lane takes one
// unit at a time: a q8 block (32 codes, eight 4-byte words; q8 rows are only 4-byte aligned) or a
// pair of q4 blocks (36 bytes, nine words); q8's are loaded by the warp together (the main loop). Per block: integer sum of code products, then
// d_x * sum (q4: d_w * d_x * (sum - 8 * sum of the x codes), the stored nibbles being code + 8)
// added in f32; q8's per-row scale multiplies the total. Values past the last whole unit take a
// scalar path with the same quantized x.
#include "backend/cuda/cuda_kernels.h"
#include "backend/cuda/gemv_shape.cuh"

namespace vidscope::backend::cuda {

namespace {

using namespace gemv;  // NOLINT: the shared GEMV layout
constexpr int kBlock = kInt8ActivationBlock;

// ---- quantization of x: one warp per block of 32 values ----
__global__ void quantize_kernel(const float* x, std::int64_t x_stride, int rows, std::int64_t k, Int8Rows out) {
  const std::int64_t warp_id = (static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / kWarpSize;
  const int lane = static_cast<int>(threadIdx.x) % kWarpSize;
  if (warp_id >= static_cast<std::int64_t>(rows) * out.blocks) return;  // warp-uniform
  const std::int64_t r = warp_id / out.blocks, b = warp_id % out.blocks;
  const std::int64_t col = b * kBlock + lane;
  const float v = col < k ? x[r * x_stride + col] : 0.0f;
  const bool finite = (__float_as_uint(v) & 0x7f800000u) != 0x7f800000u;
  float amax = fabsf(v);
#pragma unroll
  for (int offset = kWarpSize / 2; offset > 0; offset /= 2) amax = fmaxf(amax, __shfl_xor_sync(0xffffffffu, amax, offset));
  const bool all_finite = __all_sync(0xffffffffu, finite);
  const float d = all_finite ? __fdiv_rn(amax, 127.0f) : __int_as_float(0x7fc00000);
  const float inverse = d > 0.0f ? __fdiv_rn(1.0f, d) : 0.0f;
  float q = __fsub_rn(__fadd_rn(__fmul_rn(v, inverse), 12582912.0f), 12582912.0f);  // half to even
  q = fminf(fmaxf(q, -127.0f), 127.0f);
  const int code = static_cast<int>(q);
  out.codes[r * out.row_bytes + col] = static_cast<signed char>(code);
  int sum = code;
#pragma unroll
  for (int offset = kWarpSize / 2; offset > 0; offset /= 2) sum += __shfl_xor_sync(0xffffffffu, sum, offset);
  if (lane == 0) {
    out.scales[r * out.blocks + b] = d;
    out.sums[r * out.blocks + b] = sum;
  }
}

// ---- the GEMV ----
template <WeightType T>
struct Unit;

template <>
struct Unit<WeightType::kQ8> {
  static constexpr int kElems = 32;
  static constexpr int kWords = 8;
  static constexpr bool kStaged = true;
  // Word u of the codes (after the 4-byte row scale).
  __device__ static const unsigned* words(const unsigned char* row, std::int64_t unit) {
    return reinterpret_cast<const unsigned*>(row + 4) + unit * kWords;
  }
  __device__ static float row_scale(const unsigned char* row) { return load_f32_unaligned(row); }
  __device__ static float scalar(const unsigned char* row, std::int64_t k) { return q8_code(row, k); }
  template <int R>
  __device__ static void accumulate(const unsigned (&w)[9], std::int64_t unit, const Int8Rows& x, int rows,
                                    float (&acc)[R]) {
#pragma unroll
    for (int r = 0; r < R; ++r) {
      if (r < rows) {
        const int4* codes = reinterpret_cast<const int4*>(x.codes + r * x.row_bytes + unit * kElems);
        const int4 a = __ldg(codes), b = __ldg(codes + 1);
        int s = __dp4a(static_cast<int>(w[0]), a.x, 0);
        s = __dp4a(static_cast<int>(w[1]), a.y, s);
        s = __dp4a(static_cast<int>(w[2]), a.z, s);
        s = __dp4a(static_cast<int>(w[3]), a.w, s);
        s = __dp4a(static_cast<int>(w[4]), b.x, s);
        s = __dp4a(static_cast<int>(w[5]), b.y, s);
        s = __dp4a(static_cast<int>(w[6]), b.z, s);
        s = __dp4a(static_cast<int>(w[7]), b.w, s);
        acc[r] += __ldg(x.scales + r * x.blocks + unit) * static_cast<float>(s);
      }
    }
  }
};

// Two blocks (bytes 0..17: f16 scale, 16 nibble bytes; bytes 18..35 the same), 64 values.
template <>
struct Unit<WeightType::kQ4> {
  static constexpr int kElems = 64;
  static constexpr int kWords = 9;
  static constexpr bool kStaged = false;
  __device__ static const unsigned* words(const unsigned char* row, std::int64_t unit) {
    return reinterpret_cast<const unsigned*>(row) + unit * kWords;
  }
  __device__ static float row_scale(const unsigned char*) { return 1.0f; }
  __device__ static float scalar(const unsigned char* row, std::int64_t k) { return q4_value(row, k); }
  // Sum over one block of nibble * x code; nibble bytes j..j+3 hold values j.. (low) and j+16.. (high).
  __device__ static int block_sum(const unsigned (&nibbles)[4], const int4 a, const int4 b) {
    const int xs[8] = {a.x, a.y, a.z, a.w, b.x, b.y, b.z, b.w};
    int s = 0;
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      s = __dp4a(static_cast<int>(nibbles[i] & 0x0f0f0f0fu), xs[i], s);
      s = __dp4a(static_cast<int>((nibbles[i] >> 4) & 0x0f0f0f0fu), xs[4 + i], s);
    }
    return s;
  }
  template <int R>
  __device__ static void accumulate(const unsigned (&w)[9], std::int64_t unit, const Int8Rows& x, int rows,
                                    float (&acc)[R]) {
    const float d0 = f16_bits(w[0] & 0xffffu), d1 = f16_bits(w[4] >> 16);
    unsigned n0[4], n1[4];
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      n0[i] = __funnelshift_r(w[i], w[i + 1], 16);  // bytes 2+4i .. 5+4i
      n1[i] = w[5 + i];
    }
    const std::int64_t b0 = 2 * unit;
#pragma unroll
    for (int r = 0; r < R; ++r) {
      if (r < rows) {
        const int4* codes = reinterpret_cast<const int4*>(x.codes + r * x.row_bytes + unit * kElems);
        const int s0 = block_sum(n0, __ldg(codes), __ldg(codes + 1)) - 8 * __ldg(x.sums + r * x.blocks + b0);
        const int s1 = block_sum(n1, __ldg(codes + 2), __ldg(codes + 3)) - 8 * __ldg(x.sums + r * x.blocks + b0 + 1);
        acc[r] += d0 * __ldg(x.scales + r * x.blocks + b0) * static_cast<float>(s0) +
                  d1 * __ldg(x.scales + r * x.blocks + b0 + 1) * static_cast<float>(s1);
      }
    }
  }
};

template <WeightType T, int R>
__global__ void __launch_bounds__(kWarpsPerBlock* kWarpSize) gemv_int8_kernel(GemvLaunch a, Int8Rows x, int split) {
  using U = Unit<T>;
  constexpr int kStageWords = U::kStaged ? kWarpSize * U::kWords + U::kWords : 1;  // + the w / 32 padding
  __shared__ unsigned stage[kWarpsPerBlock][kRowsPerWarp][kStageWords];
  __shared__ float partial[kWarpsPerBlock][kRowsPerWarp][R];
  const gemv::WarpRows at(a, split);
  const int lane = at.lane;
  const int warp = static_cast<int>(threadIdx.x) / kWarpSize;
  const std::int64_t n0 = at.n0;
  const bool active = at.active;
  const auto& row = at.row;
  float acc[kRowsPerWarp][R] = {};

  // q8: the warp takes 32 consecutive units per step. Its lanes load them as consecutive 4-byte
  // words (coalesced: 128 bytes per load instruction; a lane reading its own block's 8 words touches
  // one 128-byte line per lane and instruction, which left the kernel bound by the L1 cache), park
  // them in shared memory and read back the words of their own unit. Word w sits at w + w / 32,
  // which keeps the stores and the reads free of bank conflicts. q4 reads its own 9 words per
  // lane: the staged variant was slower there (docs/benchmarks.md, GPU).
  const std::int64_t units = active && a.vector_loads ? a.k / U::kElems : 0;
  const std::int64_t first = at.first, stride = at.stride;
  if constexpr (U::kStaged) {
    for (std::int64_t span = first - lane; span < units; span += stride) {  // warp-uniform
      const int span_words = static_cast<int>(units - span < kWarpSize ? units - span : kWarpSize) * U::kWords;
      unsigned loaded[kRowsPerWarp][U::kWords];
#pragma unroll
      for (int g = 0; g < kRowsPerWarp; ++g) {
        const unsigned* p = U::words(row[g], span);
#pragma unroll
        for (int j = 0; j < U::kWords; ++j) {
          const int w = j * kWarpSize + lane;
          loaded[g][j] = w < span_words ? __ldcs(p + w) : 0u;
        }
      }
#pragma unroll
      for (int g = 0; g < kRowsPerWarp; ++g) {
#pragma unroll
        for (int j = 0; j < U::kWords; ++j) {
          const int w = j * kWarpSize + lane;
          stage[warp][g][w + w / kWarpSize] = loaded[g][j];
        }
      }
      __syncwarp();
      const std::int64_t unit = span + lane;
      if (unit < units) {
#pragma unroll
        for (int g = 0; g < kRowsPerWarp; ++g) {
          unsigned words[9];
#pragma unroll
          for (int i = 0; i < U::kWords; ++i) {
            const int w = lane * U::kWords + i;
            words[i] = stage[warp][g][w + w / kWarpSize];
          }
          U::template accumulate<R>(words, unit, x, a.rows, acc[g]);
        }
      }
      __syncwarp();  // the stage is rewritten by the next step
    }
  } else {
    for (std::int64_t unit = first; unit < units; unit += stride) {
      unsigned words[kRowsPerWarp][9];
#pragma unroll
      for (int g = 0; g < kRowsPerWarp; ++g) {
        const unsigned* p = U::words(row[g], unit);
#pragma unroll
        for (int i = 0; i < U::kWords; ++i) words[g][i] = __ldcs(p + i);
      }
#pragma unroll
      for (int g = 0; g < kRowsPerWarp; ++g) U::template accumulate<R>(words[g], unit, x, a.rows, acc[g]);
    }
  }
  // The tail (and everything without vector loads): value by value, with the same quantized x.
  const std::int64_t k_end = active ? a.k : 0;
  gemv::accumulate_scalar<U, R>(
      row, (a.vector_loads ? a.k / U::kElems : 0) * U::kElems + first, k_end, stride, a.rows,
      [&](int r, std::int64_t k) {
        return static_cast<float>(x.codes[r * x.row_bytes + k]) * x.scales[r * x.blocks + k / kBlock];
      },
      acc);

  gemv::finish_scaled_rows<U, R>(acc, partial, split, active, n0, row, a);
}

template <WeightType T>
cudaError_t launch_typed(const GemvLaunch& a, const Int8Rows& x, cudaStream_t stream) {
  const gemv::LaunchShape shape = gemv::launch_shape(a.n);
  gemv::dispatch_rows(a.rows, [&](auto rows) {
    gemv_int8_kernel<T, decltype(rows)::value><<<shape.grid, shape.block, 0, stream>>>(a, x, shape.split);
  });
  return cudaGetLastError();
}

}  // namespace

cudaError_t launch_quantize_activations(const float* x, std::int64_t x_stride, int rows, std::int64_t k,
                                        const Int8Rows& out, cudaStream_t stream) {
  const std::int64_t warps = static_cast<std::int64_t>(rows) * out.blocks;
  constexpr int kThreads = 256;
  const std::int64_t blocks = (warps * kWarpSize + kThreads - 1) / kThreads;
  if (blocks > 0) quantize_kernel<<<static_cast<unsigned>(blocks), kThreads, 0, stream>>>(x, x_stride, rows, k, out);
  return cudaGetLastError();
}

cudaError_t launch_gemv_int8(const GemvLaunch& a, const Int8Rows& x, cudaStream_t stream) {
  if (a.type == WeightType::kQ8) return launch_typed<WeightType::kQ8>(a, x, stream);
  if (a.type == WeightType::kQ4) return launch_typed<WeightType::kQ4>(a, x, stream);
  return cudaErrorInvalidValue;
}

}  // namespace vidscope::backend::cuda
