#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "base/error.h"
#include "tensor/activation_int8.h"
#include "tensor/matmul.h"
#include "tensor/quantize.h"
#include "tensor/weight_tiles.h"
#include "test_support.h"

namespace vidscope::tensor {
namespace {

using testing::random_values;

struct Shape {
  int m, k, n;
};

// Weights stored as `type`, plus the exact f32 values they stand for (dequantized), which the
// reference uses: the kernels must reproduce x . dequant(W) to f32 accumulation accuracy.
struct Weights {
  std::vector<std::uint8_t> bytes;
  std::vector<float> values;
  std::size_t stride;
};

Weights make_weights(DType type, int n, int k, std::uint32_t seed, std::size_t extra_stride = 0) {
  const auto w = random_values(static_cast<std::size_t>(n) * k, seed, 0.05f);
  Weights out;
  if (is_tiled(type)) extra_stride = 0;  // whole dense tiles only
  out.stride = row_bytes(type, k) + extra_stride;
  out.bytes.assign(out.stride * n + 64, 0);
  if (is_tiled(type)) {
    convert_rows(DType::kF32, w.data(), k * 4, n, k, type, out.bytes.data());
  } else {
    for (int r = 0; r < n; ++r) convert_rows(DType::kF32, w.data() + r * k, k * 4, 1, k, type, out.bytes.data() + r * out.stride);
  }
  out.values.resize(w.size());
  dequantize_rows(type, out.bytes.data(), out.stride, n, k, out.values.data(), k);
  return out;
}

// f32 accumulation of K products: the rounding error behaves like a random walk of ~sqrt(K)
// steps of 2^-24 relative to sum|x w|; for K <= 2048 that is <= 3e-6. 1e-5 * sum|x w| leaves 3x
// margin (and holds for every summation order the kernels use), plus 1e-7 for outputs near 0.
// The int8 kernels (avx512_vnni) sum exact integer block products, then K/32 f32 block terms: less
// rounding, inside the same bound.
constexpr double kMatmulRelTol = 1e-5;

// The activations a matmul multiplies: x itself, or for q8/q4 weights on the GEMV path its int8
// rounding (matmul.h), which every level uses.
std::vector<float> effective_x(DType type, const std::vector<float>& x, int m, int k) {
  if (is_plain(type) || m > kGemvMaxRows) return x;
  std::vector<std::uint8_t> codes(activation_row_bytes(k) * m);
  quantize_activation_rows(x.data(), k, m, k, type, codes.data());
  std::vector<float> rounded(x.size());
  for (int r = 0; r < m; ++r) dequantize_activation_row(codes.data() + r * activation_row_bytes(k), k, rounded.data() + r * k);
  return rounded;
}

void run_case(SimdLevel level, unsigned threads, DType type, Shape s, bool with_bias, bool strided) {
  SCOPED_TRACE(std::string(simd_level_name(level)) + " " + std::string(dtype_name(type)) + " M=" + std::to_string(s.m) +
               " K=" + std::to_string(s.k) + " N=" + std::to_string(s.n) + " threads=" + std::to_string(threads) +
               (with_bias ? " bias" : "") + (strided ? " strided" : ""));
  const int x_pad = strided ? 3 : 0, y_pad = strided ? 5 : 0;
  const auto x = random_values(static_cast<std::size_t>(s.m) * (s.k + x_pad), 11 + s.k);
  const Weights w = make_weights(type, s.n, s.k, 12 + s.n, strided ? 7 : 0);
  const auto bias = random_values(s.n, 13);
  std::vector<float> y(static_cast<std::size_t>(s.m) * (s.n + y_pad), -999.0f);

  std::unique_ptr<WorkerPool> pool = threads > 1 ? std::make_unique<WorkerPool>(threads) : nullptr;
  KernelContext ctx{kernels_for(level), pool.get()};
  const TensorView xv = TensorView::dense(const_cast<float*>(x.data()), DType::kF32, {s.m, s.k}).with_row_stride((s.k + x_pad) * 4);
  const TensorView wv = TensorView::dense(const_cast<std::uint8_t*>(w.bytes.data()), type, {s.n, s.k}).with_row_stride(w.stride);
  const TensorView bv = TensorView::dense(const_cast<float*>(bias.data()), DType::kF32, {s.n});
  const TensorView yv = TensorView::dense(y.data(), DType::kF32, {s.m, s.n}).with_row_stride((s.n + y_pad) * 4);
  matmul(ctx, xv, wv, with_bias ? &bv : nullptr, yv);

  std::vector<float> dense_x(static_cast<std::size_t>(s.m) * s.k);
  for (int m = 0; m < s.m; ++m)
    for (int k = 0; k < s.k; ++k) dense_x[m * s.k + k] = x[m * (s.k + x_pad) + k];
  std::vector<double> ref, magnitude;
  testing::reference_matmul(effective_x(type, dense_x, s.m, s.k), w.values, with_bias ? bias.data() : nullptr, s.m, s.n, s.k, ref, magnitude);
  for (int m = 0; m < s.m; ++m) {
    for (int n = 0; n < s.n; ++n) {
      const double got = y[m * (s.n + y_pad) + n];
      const double tol = kMatmulRelTol * magnitude[m * s.n + n] + 1e-7;
      ASSERT_NEAR(got, ref[m * s.n + n], tol) << "at m=" << m << " n=" << n;
    }
    for (int n = s.n; n < s.n + y_pad; ++n) ASSERT_EQ(y[m * (s.n + y_pad) + n], -999.0f) << "wrote past the view";
  }
}

// Odd sizes on purpose: K not a multiple of 16/32/64/128 (vector tails, padded q4 blocks, a partial
// int8 activation group), K above the 256-wide GEMM panel, N odd (partial weight-row groups and
// partial panels), M on both paths.
const Shape kShapes[] = {{1, 1, 1}, {1, 67, 33}, {3, 31, 17}, {8, 300, 45}, {37, 67, 71}, {37, 600, 33}, {9, 64, 130}};

class MatmulTest : public ::testing::TestWithParam<SimdLevel> {};

TEST_P(MatmulTest, MatchesDoubleReferenceForEveryWeightType) {
  for (DType type : {DType::kF32, DType::kF16, DType::kBF16, DType::kQ8, DType::kQ4}) {
    for (const Shape& s : kShapes) {
      run_case(GetParam(), 1, type, s, false, false);
      run_case(GetParam(), 1, type, s, true, true);
    }
  }
}

// The decode path at every batch size for every weight type (the kernels take 4, 2 or 1 weight rows
// per pass by batch size; N = 2m + 3 leaves an odd row), K around the 32-value blocks and 128-value
// activation groups (exact, one short, one over, several groups plus a tail).
TEST_P(MatmulTest, GemvAtEveryBatchSize) {
  for (DType type : {DType::kF32, DType::kF16, DType::kBF16, DType::kQ8, DType::kQ4}) {
    for (int m = 1; m <= kGemvMaxRows; ++m) {
      for (int k : {32, 127, 128, 129, 161, 416, 1000}) run_case(GetParam(), 1, type, {m, k, 2 * m + 3}, m % 2 == 0, m % 3 == 0);
    }
  }
}

TEST_P(MatmulTest, ThreadsGiveTheSameAnswer) {
  for (DType type : {DType::kBF16, DType::kQ8, DType::kQ4}) {
    run_case(GetParam(), 2, type, {1, 96, 333}, true, false);
    run_case(GetParam(), 3, type, {8, 200, 129}, false, true);
    run_case(GetParam(), 2, type, {50, 260, 300}, true, true);
    run_case(GetParam(), 2, type, {200, 40, 20}, true, false);  // few columns: rows are split too
  }
}

// q4x16 and q8x16 (weight_tiles.h) on the levels that have them: the decode path at every batch size,
// K around the blocks and activation groups (q8x16 takes whole blocks), one to ten tiles; the GEMM path
// with one and two tiles per panel.
class TiledMatmulTest : public ::testing::TestWithParam<SimdLevel> {};

TEST_P(TiledMatmulTest, AtEveryBatchSize) {
  for (const DType type : {DType::kQ4x16, DType::kQ8x16}) {
    for (int m = 1; m <= kGemvMaxRows; ++m) {
      for (int k : {32, 127, 128, 129, 160, 161, 416, 1000}) {
        if (fits_tiles(type, 16, k)) run_case(GetParam(), 1, type, {m, k, 16 * (1 + m % 3)}, m % 2 == 0, m % 3 == 0);
      }
    }
    run_case(GetParam(), 1, type, {8, 3008, 160}, true, false);  // several activation chunks
    for (const Shape& s : {Shape{37, 96, 32}, Shape{37, 608, 48}, Shape{9, 64, 160}}) run_case(GetParam(), 1, type, s, true, true);
    run_case(GetParam(), 2, type, {8, 224, 320}, true, false);
    run_case(GetParam(), 3, type, {50, 288, 304}, true, true);
    run_case(GetParam(), 2, type, {200, 64, 16}, false, false);  // few columns: rows are split too
  }
  run_case(GetParam(), 1, DType::kQ4x16, {37, 67, 32}, true, false);  // a partial last block (q4 only)
}

// The GEMM path converts both layouts to the same f32 panels, so a tiled weight gives its row type's
// answer bit for bit; the GEMV path sums the same integer block products in another order (within
// kMatmulRelTol of the reference, above).
TEST_P(TiledMatmulTest, GemmEqualsTheRowType) {
  for (const DType type : {DType::kQ4x16, DType::kQ8x16}) {
    SCOPED_TRACE(std::string(dtype_name(type)));
    const int m = 21, k = 320, n = 48;
    const auto x = random_values(static_cast<std::size_t>(m) * k, 5);
    const Weights plain = make_weights(untiled(type), n, k, 6), tiled = make_weights(type, n, k, 6);
    ASSERT_EQ(plain.values, tiled.values);
    KernelContext ctx{kernels_for(GetParam()), nullptr};
    std::vector<float> y_plain(static_cast<std::size_t>(m) * n), y_tiled(y_plain.size());
    const auto xv = TensorView::dense(const_cast<float*>(x.data()), DType::kF32, {m, k});
    matmul(ctx, xv, TensorView::dense(const_cast<std::uint8_t*>(plain.bytes.data()), untiled(type), {n, k}), nullptr,
           TensorView::dense(y_plain.data(), DType::kF32, {m, n}));
    matmul(ctx, xv, TensorView::dense(const_cast<std::uint8_t*>(tiled.bytes.data()), type, {n, k}), nullptr,
           TensorView::dense(y_tiled.data(), DType::kF32, {m, n}));
    EXPECT_EQ(y_plain, y_tiled);
  }
}

// Levels without tiled kernels, and tiled views that are not whole tiles, are caller bugs.
TEST_P(MatmulTest, TiledWeightsWhereTheyCannotRunThrowInternalError) {
  const Weights tiled = make_weights(DType::kQ4x16, 32, 64, 7);
  std::vector<float> x(64, 1.0f), y(32);
  KernelContext ctx{kernels_for(GetParam()), nullptr};
  const auto xv = TensorView::dense(x.data(), DType::kF32, {1, 64});
  auto* w = const_cast<std::uint8_t*>(tiled.bytes.data());
  const auto expect_internal = [&](const TensorView& wv, const TensorView& yv) {
    try {
      matmul(ctx, xv, wv, nullptr, yv);
      FAIL() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInternal) << e.what();
    }
  };
  expect_internal(TensorView::dense(w, DType::kQ4x16, {24, 64}), TensorView::dense(y.data(), DType::kF32, {1, 24}));
  if (!supports_weights(*kernels_for(GetParam()), DType::kQ4x16)) {
    expect_internal(TensorView::dense(w, DType::kQ4x16, {32, 64}), TensorView::dense(y.data(), DType::kF32, {1, 32}));
  }
}

INSTANTIATE_TEST_SUITE_P(Levels, MatmulTest, ::testing::ValuesIn(testing::supported_levels()),
                         [](const auto& info) { return std::string(simd_level_name(info.param)); });

std::vector<SimdLevel> levels_with_tiles() {
  std::vector<SimdLevel> levels = testing::supported_levels();
  std::erase_if(levels, [](SimdLevel l) {
    return !supports_weights(*kernels_for(l), DType::kQ4x16) || !supports_weights(*kernels_for(l), DType::kQ8x16);
  });
  return levels;
}
// None on CPUs without AVX-512 VNNI: the loader never tiles there.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(TiledMatmulTest);
INSTANTIATE_TEST_SUITE_P(Levels, TiledMatmulTest, ::testing::ValuesIn(levels_with_tiles()),
                         [](const auto& info) { return std::string(simd_level_name(info.param)); });

TEST(MatmulChecksTest, MismatchedShapesThrowInternalError) {
  std::vector<float> x(6), w(6), y(4);
  const KernelContext ctx;
  const auto xv = TensorView::dense(x.data(), DType::kF32, {2, 3});
  const auto wv = TensorView::dense(w.data(), DType::kF32, {3, 2});  // K = 2, x has K = 3
  const auto yv = TensorView::dense(y.data(), DType::kF32, {2, 2});
  try {
    matmul(ctx, xv, wv, nullptr, yv);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInternal);
  }
  const auto bf_x = TensorView::dense(x.data(), DType::kBF16, {2, 3});
  EXPECT_THROW(matmul(ctx, bf_x, TensorView::dense(w.data(), DType::kF32, {2, 3}), nullptr, yv), Error);
}

}  // namespace
}  // namespace vidscope::tensor
