#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "base/error.h"
#include "tensor/half.h"
#include "tensor/quantize.h"
#include "test_support.h"

namespace vidscope::tensor {
namespace {

using testing::random_values;

// Relative L2 error ||dequant(quant(w)) - w|| / ||w|| over a [rows, cols] matrix.
double relative_l2_error(DType type, const std::vector<float>& w, int rows, int cols) {
  std::vector<std::uint8_t> q(row_bytes(type, cols) * rows);
  convert_rows(DType::kF32, w.data(), cols * sizeof(float), rows, cols, type, q.data());
  std::vector<float> back(w.size());
  dequantize_rows(type, q.data(), row_bytes(type, cols), rows, cols, back.data(), cols);
  double err = 0, norm = 0;
  for (std::size_t i = 0; i < w.size(); ++i) {
    err += (back[i] - w[i]) * double(back[i] - w[i]);
    norm += double(w[i]) * w[i];
  }
  return std::sqrt(err / norm);
}

TEST(QuantizeTest, RowBytesMatchTheDocumentedLayouts) {
  EXPECT_EQ(row_bytes(DType::kF32, 10), 40u);
  EXPECT_EQ(row_bytes(DType::kBF16, 10), 20u);
  EXPECT_EQ(row_bytes(DType::kQ8, 10), 14u);
  EXPECT_EQ(row_bytes(DType::kQ4, 32), 18u);
  EXPECT_EQ(row_bytes(DType::kQ4, 33), 36u);
}

// Measured on Gaussian weights (these shapes, seed 1): q8 0.78%, q4 8.56% relative L2 error, as
// theory says: q8 rounds to steps of max|row|/127 (~3.2 sigma/127 for 1000 values, RMS error
// step/sqrt(12) = 0.73%); q4 to steps of max|block|/8 (~2.1 sigma/8 -> ~7.6%, plus clamping).
// Bounds: q8 < 1%, q4 < 10%.
TEST(QuantizeTest, QuantizationErrorOnGaussianWeightsIsBounded) {
  const int rows = 64, cols = 1000;  // cols not a multiple of 32: a padded final q4 block
  const auto w = random_values(rows * cols, 1, 0.02f);
  const double q8 = relative_l2_error(DType::kQ8, w, rows, cols);
  const double q4 = relative_l2_error(DType::kQ4, w, rows, cols);
  std::printf("relative L2 quantization error: q8 %.4f%%, q4 %.3f%%\n", 100 * q8, 100 * q4);
  EXPECT_LT(q8, 0.01);
  EXPECT_LT(q4, 0.10);
  EXPECT_LT(relative_l2_error(DType::kBF16, w, rows, cols), 1.0 / 256);  // 8-bit significand
  EXPECT_LT(relative_l2_error(DType::kF16, w, rows, cols), 1.0 / 2048);  // 11-bit significand
}

TEST(QuantizeTest, Q8StoresScaleAndCodes) {
  const std::vector<float> x = {0.0f, 1.0f, -2.54f, 1.27f};
  std::vector<std::uint8_t> q(row_bytes(DType::kQ8, 4));
  quantize_row_q8(x.data(), 4, q.data());
  float scale;
  std::memcpy(&scale, q.data(), 4);
  EXPECT_FLOAT_EQ(scale, 2.54f / 127);
  const auto* codes = reinterpret_cast<const std::int8_t*>(q.data() + 4);
  EXPECT_EQ(codes[0], 0);
  EXPECT_EQ(codes[1], 50);
  EXPECT_EQ(codes[2], -127);
  EXPECT_NEAR(codes[3], 63.5, 0.5);  // 1.27 / (2.54 / 127) = 63.5 up to f32 rounding
}

TEST(QuantizeTest, Q4MapsTheExtremeOntoMinusEight) {
  std::vector<float> x(32, 0.0f);
  x[0] = 8.0f;   // the extreme: d = 8 / -8 = -1, code -8
  x[17] = -7.0f; // q = 7
  x[5] = 3.0f;   // q = -3
  std::vector<std::uint8_t> q(row_bytes(DType::kQ4, 32));
  quantize_row_q4(x.data(), 32, q.data());
  std::uint16_t d;
  std::memcpy(&d, q.data(), 2);
  EXPECT_EQ(f16_to_f32(d), -1.0f);
  EXPECT_EQ(q[2 + 0] & 0x0f, 0);        // element 0: code -8 -> nibble 0
  EXPECT_EQ(q[2 + 1] >> 4, 15);         // element 17: high nibble of byte 1, code 7 -> 15
  EXPECT_EQ(q[2 + 5] & 0x0f, 8 - 3);    // element 5
  std::vector<float> back(32);
  dequantize_row(DType::kQ4, q.data(), 32, back.data());
  EXPECT_EQ(back[0], 8.0f);
  EXPECT_EQ(back[17], -7.0f);
  EXPECT_EQ(back[5], 3.0f);
  EXPECT_EQ(back[1], 0.0f);
}

TEST(QuantizeTest, ZeroRowsQuantizeToZero) {
  const std::vector<float> zeros(40, 0.0f);
  for (DType type : {DType::kQ8, DType::kQ4}) {
    std::vector<std::uint8_t> q(row_bytes(type, 40), 0xff);
    convert_rows(DType::kF32, zeros.data(), 160, 1, 40, type, q.data());
    std::vector<float> back(40, 1.0f);
    dequantize_row(type, q.data(), 40, back.data());
    for (float v : back) EXPECT_EQ(v, 0.0f);
  }
}

TEST(QuantizeTest, Bf16SourceGivesTheSameBytesAsItsF32Values) {
  const int rows = 5, cols = 77;
  auto w = random_values(rows * cols, 2);
  std::vector<std::uint16_t> bf(w.size());
  for (std::size_t i = 0; i < w.size(); ++i) {
    bf[i] = f32_to_bf16(w[i]);
    w[i] = bf16_to_f32(bf[i]);
  }
  for (DType type : {DType::kQ8, DType::kQ4, DType::kF16}) {
    std::vector<std::uint8_t> from_f32(row_bytes(type, cols) * rows), from_bf16(from_f32.size());
    convert_rows(DType::kF32, w.data(), cols * 4, rows, cols, type, from_f32.data());
    convert_rows(DType::kBF16, bf.data(), cols * 2, rows, cols, type, from_bf16.data());
    EXPECT_EQ(from_f32, from_bf16) << dtype_name(type);
  }
}

TEST(QuantizeTest, NonFiniteWeightsAreRejectedAsCorruptInput) {
  std::vector<float> w(64, 1.0f);
  w[40] = std::numeric_limits<float>::quiet_NaN();
  std::vector<std::uint8_t> q(row_bytes(DType::kQ4, 32) * 2);
  try {
    quantize_rows_q4(DType::kF32, w.data(), 32 * 4, 2, 32, q.data());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(std::string(e.what()).find("row 1"), std::string::npos) << e.what();
  }
}

TEST(QuantizeTest, UnsupportedSourceTypeIsAnInternalError) {
  std::vector<std::uint8_t> src(64), dst(64);
  EXPECT_THROW(convert_rows(DType::kQ8, src.data(), 16, 1, 8, DType::kQ4, dst.data()), Error);
}

}  // namespace
}  // namespace vidscope::tensor
