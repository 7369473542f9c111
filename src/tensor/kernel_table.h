#pragma once
// The CPU kernels of one SIMD level, as a table of function pointers. Four tables exist: scalar
// (the reference, plain C++), avx2 (AVX2+FMA+F16C), avx512 (F/BW/VL) and avx512_vnni (the avx512
// table plus int8 GEMV kernels). The first three are the same generic code (kernels_generic.inc)
// compiled with a different vector type, each in its own translation unit with its own target
// attributes, so the binary runs on any x86-64 and the choice is made once at run time
// (kernels_for / best_kernels).
//
// These are the row-level building blocks; the drivers in matmul.h, ops.h and attention.h check
// shapes, split work over threads and call them. All pointers are non-null in every table, except
// the optional gemv_int8 entries and the entries of the tiled types q4x16/q8x16 (weight_tiles.h), which
// only the avx512_vnni table fills (gemv_int8 and pack_panel; supports_weights() says whether a table
// has them). Activations are f32; weights (the W of matmul) may be any DType.
#include <cstddef>
#include <cstdint>

#include "tensor/cpu_features.h"
#include "tensor/dtype.h"

namespace vidscope::tensor {

// y[m][n] = bias[n] + sum_k x[m][k] * W[n][k] for m < rows (1..kGemvMaxRows), n in [n_begin, n_end).
struct GemvArgs {
  const float* x = nullptr;
  std::int64_t x_stride = 0;  // floats between rows of x
  int rows = 1;
  const std::uint8_t* w = nullptr;  // row 0 of W
  std::size_t w_stride = 0;         // bytes between rows of W
  std::int64_t k = 0;
  const float* bias = nullptr;      // may be null
  float* y = nullptr;
  std::int64_t y_stride = 0;        // floats between rows of y
  std::int64_t n_begin = 0;
  std::int64_t n_end = 0;
  // gemv_int8 only: the rows of x rounded to int8 (activation_int8.h), activation_row_bytes(k) apart,
  // 64-byte aligned; it reads these instead of x.
  const std::uint8_t* xq = nullptr;
};
inline constexpr int kGemvMaxRows = 8;

// Bytes of x (all M rows: f32, or their int8 rounding) one pass of a GEMV over a range of weight rows
// reuses from L1; longer rows of x are cut into chunks of this. Batch 8 at K = 8960 is 287 KB of f32
// (143 KB rounded to int8): streamed from L2 for every weight row, it made the down projection cost
// 2.5-3x batch 1 per weight where the other projections cost 1.4x.
inline constexpr std::size_t kGemvActivationChunkBytes = 24 * 1024;

// Calls f.template operator()<M>() with M = rows, for 1 <= rows <= kGemvMaxRows (more are taken as
// kGemvMaxRows): the GEMV kernels are compiled per batch size, so that their per-row sums stay in
// registers.
template <class F>
inline void with_gemv_rows(int rows, F&& f) {
  switch (rows) {
    case 1: f.template operator()<1>(); break;
    case 2: f.template operator()<2>(); break;
    case 3: f.template operator()<3>(); break;
    case 4: f.template operator()<4>(); break;
    case 5: f.template operator()<5>(); break;
    case 6: f.template operator()<6>(); break;
    case 7: f.template operator()<7>(); break;
    default: f.template operator()<kGemvMaxRows>(); break;
  }
}

// The GEMM path converts a panel of W (gemm_nr output columns x kc inputs) to f32 once, laid out
// k-major ([kc][gemm_nr], zero-padded columns), and reuses it for every row block of x.
// gemm_tile: y[m][n] (+)= sum_{k<kc} x[m][k] * panel[k][n] for m < mr (<= gemm_mr), n < nr_valid.
using PackPanelFn = void (*)(const std::uint8_t* w, std::size_t w_stride, int n_valid, std::int64_t k_begin,
                             std::int64_t kc, float* panel);
using GemmTileFn = void (*)(const float* x, std::int64_t x_stride, int mr, const float* panel, std::int64_t kc,
                            float* y, std::int64_t y_stride, int nr_valid, bool accumulate);

struct AttentionRowArgs;  // attention_row.h

struct KernelTable {
  SimdLevel level = SimdLevel::kScalar;
  int gemm_mr = 1;  // rows of x per GEMM tile
  int gemm_nr = 1;  // columns of W per packed panel

  void (*gemv[kDTypeCount])(const GemvArgs& args) = {};
  // Optional (null where the level has none; only q8 and q4): the same product with x replaced by its
  // int8 rounding args.xq, multiplied with integer dot products.
  void (*gemv_int8[kDTypeCount])(const GemvArgs& args) = {};
  PackPanelFn pack_panel[kDTypeCount] = {};
  GemmTileFn gemm_tile = nullptr;

  // Rowwise ops over n contiguous floats; y may alias x (and a/gate) exactly.
  void (*rms_norm)(const float* x, const float* weight, float eps, float* y, std::int64_t n) = nullptr;
  void (*layer_norm)(const float* x, const float* weight, const float* bias, float eps, float* y,
                     std::int64_t n) = nullptr;
  void (*softmax)(const float* x, float* y, std::int64_t n) = nullptr;
  void (*silu)(const float* x, float* y, std::int64_t n) = nullptr;
  void (*gelu)(const float* x, float* y, std::int64_t n) = nullptr;        // exact, with erf
  void (*quick_gelu)(const float* x, float* y, std::int64_t n) = nullptr;  // x * sigmoid(1.702 x)
  void (*swiglu)(const float* gate, const float* up, float* y, std::int64_t n) = nullptr;
  void (*add)(const float* a, const float* b, float* y, std::int64_t n) = nullptr;
  void (*mul)(const float* a, const float* b, float* y, std::int64_t n) = nullptr;
  // NeoX rotate_half on one head of `dim` values: with h = dim/2,
  // y[i] = x[i]*cos[i] - x[i+h]*sin[i], y[i+h] = x[i+h]*cos[i+h] + x[i]*sin[i+h].
  void (*rope)(const float* x, const float* cos, const float* sin, float* y, std::int64_t dim) = nullptr;
  // One query row of one head against a key range; see attention.h.
  void (*attention_row)(const AttentionRowArgs& args) = nullptr;
};

// Whether `t` multiplies weights of `dtype` (every table, except the tiled types).
bool supports_weights(const KernelTable& t, DType dtype);

// The table for `level`, or nullptr when this CPU cannot run it.
const KernelTable* kernels_for(SimdLevel level);
// The table of best_simd_level(); chosen once.
const KernelTable& best_kernels();

}  // namespace vidscope::tensor
