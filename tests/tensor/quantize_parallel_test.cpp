// convert_rows_parallel against convert_rows: the multithreaded loader path must produce the same bytes
// as the single-threaded one for every pool size, block size and target type; and the row quantizers
// against a plain std::nearbyint reference of the formulas in quantize.h.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"
#include "tensor/half.h"
#include "tensor/quantize.h"
#include "tensor/worker_pool.h"
#include "test_support.h"

namespace vidscope::tensor {
namespace {

using testing::random_values;

// A bf16 matrix stored one byte past an aligned address, as a tensor inside a safetensors file may be.
struct UnalignedBf16 {
  std::vector<std::uint8_t> storage;
  const std::uint8_t* data() const { return storage.data() + 1; }
};

UnalignedBf16 unaligned_bf16(const std::vector<float>& values) {
  UnalignedBf16 m;
  m.storage.resize(values.size() * 2 + 1);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const std::uint16_t h = f32_to_bf16(values[i]);
    std::memcpy(m.storage.data() + 1 + 2 * i, &h, 2);
  }
  return m;
}

std::vector<std::uint8_t> convert_serial(DType src_type, const void* src, std::size_t stride, std::int64_t rows,
                                         std::int64_t cols, DType dst_type) {
  std::vector<std::uint8_t> out(row_bytes(dst_type, cols) * static_cast<std::size_t>(rows));
  convert_rows(src_type, src, stride, rows, cols, dst_type, out.data());
  return out;
}

std::vector<std::uint8_t> convert_parallel(WorkerPool& pool, DType src_type, const void* src, std::size_t stride,
                                           std::int64_t rows, std::int64_t cols, DType dst_type,
                                           std::int64_t block_rows) {
  // Filled with a pattern first, so a row no thread wrote would show up as a difference.
  std::vector<std::uint8_t> out(row_bytes(dst_type, cols) * static_cast<std::size_t>(rows), 0xa5);
  convert_rows_parallel(pool, src_type, src, stride, rows, cols, dst_type, out.data(), block_rows);
  return out;
}

TEST(QuantizeParallel, BitIdenticalToSerialForEveryPoolAndBlockSize) {
  // 203 rows (prime: the last block is partial for every block size below); 200 columns (not a
  // multiple of 32: a padded q4 block at each row's end).
  const std::int64_t rows = 203, cols = 200;
  std::vector<float> values = random_values(static_cast<std::size_t>(rows * cols), 7, 0.02f);
  for (std::int64_t c = 0; c < cols; ++c) values[static_cast<std::size_t>(5 * cols + c)] = 0.0f;  // all-zero row
  const UnalignedBf16 bf16 = unaligned_bf16(values);
  const std::size_t bf16_stride = row_bytes(DType::kBF16, cols);
  for (unsigned threads : {1u, 2u, 3u, 5u}) {
    WorkerPool pool(threads);
    for (std::int64_t block_rows : {std::int64_t{1}, std::int64_t{7}, std::int64_t{64}, std::int64_t{1000}}) {
      for (DType target : {DType::kQ8, DType::kQ4, DType::kF32, DType::kBF16, DType::kF16}) {
        SCOPED_TRACE(std::string(dtype_name(target)) + ", " + std::to_string(threads) + " threads, blocks of " +
                     std::to_string(block_rows));
        EXPECT_EQ(convert_parallel(pool, DType::kBF16, bf16.data(), bf16_stride, rows, cols, target, block_rows),
                  convert_serial(DType::kBF16, bf16.data(), bf16_stride, rows, cols, target));
        EXPECT_EQ(convert_parallel(pool, DType::kF32, values.data(), cols * sizeof(float), rows, cols, target,
                                   block_rows),
                  convert_serial(DType::kF32, values.data(), cols * sizeof(float), rows, cols, target));
      }
    }
  }
}

// The documented formulas of quantize.h, written plainly with std::nearbyint: the optimized row
// quantizers must produce the same bytes, exact rounding ties included.
std::vector<std::uint8_t> reference_q8(const std::vector<float>& x) {
  float amax = 0.0f;
  for (float v : x) amax = std::max(amax, std::fabs(v));
  const float scale = amax / 127.0f;
  const float inverse = scale > 0.0f ? 1.0f / scale : 0.0f;
  std::vector<std::uint8_t> out(kQ8ScaleBytes + x.size());
  std::memcpy(out.data(), &scale, sizeof(scale));
  for (std::size_t i = 0; i < x.size(); ++i) {
    out[kQ8ScaleBytes + i] = static_cast<std::uint8_t>(
        static_cast<std::int8_t>(std::clamp(std::nearbyint(x[i] * inverse), -127.0f, 127.0f)));
  }
  return out;
}

std::vector<std::uint8_t> reference_q4(const std::vector<float>& x) {
  constexpr auto kBlock = static_cast<std::size_t>(kQ4BlockSize);
  std::vector<std::uint8_t> out;
  for (std::size_t b0 = 0; b0 < x.size(); b0 += kBlock) {
    float extreme = 0.0f;
    for (std::size_t i = b0; i < std::min(x.size(), b0 + kBlock); ++i) {
      if (std::fabs(x[i]) > std::fabs(extreme)) extreme = x[i];
    }
    const std::uint16_t d16 = f32_to_f16(extreme / -8.0f);
    const float d = f16_to_f32(d16);
    const float inverse = d != 0.0f ? 1.0f / d : 0.0f;
    std::uint8_t codes[kBlock];
    for (std::size_t i = 0; i < kBlock; ++i) {
      const float v = b0 + i < x.size() ? x[b0 + i] : 0.0f;
      codes[i] = static_cast<std::uint8_t>(static_cast<int>(std::clamp(std::nearbyint(v * inverse), -8.0f, 7.0f)) + 8);
    }
    out.push_back(static_cast<std::uint8_t>(d16 & 0xff));
    out.push_back(static_cast<std::uint8_t>(d16 >> 8));
    for (std::size_t j = 0; j < 16; ++j) out.push_back(static_cast<std::uint8_t>(codes[j] | (codes[j + 16] << 4)));
  }
  return out;
}

TEST(QuantizeParallel, RowQuantizersMatchANearbyintReference) {
  std::mt19937 rng(5);
  for (int row = 0; row < 400; ++row) {
    const std::size_t cols = 1 + static_cast<std::size_t>(row * 7 % 150);  // full and partial q4 blocks
    std::vector<float> x = random_values(cols, static_cast<std::uint32_t>(row), std::ldexp(1.0f, row % 30 - 20));
    if (row % 3 == 0) {
      // Values on exact halves of the q8 step: rounding ties that must go to the even code.
      for (float& v : x) v = (static_cast<int>(rng() % 255) - 127) * 0.5f;
      x[0] = 127.0f;
    }
    if (row % 5 == 1) x[cols / 2] = -x[cols / 2] - 1000.0f;  // a negative extreme
    if (row % 7 == 2) std::fill(x.begin(), x.end(), 0.0f);
    SCOPED_TRACE("row " + std::to_string(row) + ", " + std::to_string(cols) + " columns");
    std::vector<std::uint8_t> q8(row_bytes(DType::kQ8, static_cast<std::int64_t>(cols)));
    quantize_row_q8(x.data(), static_cast<std::int64_t>(cols), q8.data());
    EXPECT_EQ(q8, reference_q8(x));
    std::vector<std::uint8_t> q4(row_bytes(DType::kQ4, static_cast<std::int64_t>(cols)));
    quantize_row_q4(x.data(), static_cast<std::int64_t>(cols), q4.data());
    EXPECT_EQ(q4, reference_q4(x));
  }
}

TEST(QuantizeParallel, ReportsEveryBlockExactlyOnce) {
  const std::int64_t rows = 100, cols = 64;
  const std::vector<float> values = random_values(static_cast<std::size_t>(rows * cols), 3);
  std::vector<std::uint8_t> out(row_bytes(DType::kQ8, cols) * rows);
  WorkerPool pool(3);
  std::mutex mutex;
  std::vector<std::pair<std::int64_t, std::int64_t>> blocks;
  convert_rows_parallel(pool, DType::kF32, values.data(), cols * sizeof(float), rows, cols, DType::kQ8, out.data(), 16,
                        [&](std::int64_t first, std::int64_t n) {
                          std::lock_guard lock(mutex);
                          blocks.emplace_back(first, n);
                        });
  std::sort(blocks.begin(), blocks.end());
  const std::vector<std::pair<std::int64_t, std::int64_t>> expected = {{0, 16}, {16, 16}, {32, 16}, {48, 16},
                                                                       {64, 16}, {80, 16}, {96, 4}};
  EXPECT_EQ(blocks, expected);
}

TEST(QuantizeParallel, NonFiniteValueIsAnInputErrorNamingTheAbsoluteRow) {
  const std::int64_t rows = 50, cols = 40;
  std::vector<float> values = random_values(static_cast<std::size_t>(rows * cols), 11);
  values[static_cast<std::size_t>(37 * cols + 3)] = std::numeric_limits<float>::quiet_NaN();
  std::vector<std::uint8_t> out(row_bytes(DType::kQ4, cols) * rows);
  WorkerPool pool(2);
  try {
    convert_rows_parallel(pool, DType::kF32, values.data(), cols * sizeof(float), rows, cols, DType::kQ4, out.data(), 8);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(std::string(e.what()).find("row 37 "), std::string::npos) << e.what();
  }
}

TEST(QuantizeParallel, RejectsAnEmptyBlockSizeAndAcceptsNoRows) {
  WorkerPool pool(2);
  float x = 1.0f;
  std::uint8_t out[64] = {};
  EXPECT_THROW(convert_rows_parallel(pool, DType::kF32, &x, 4, 1, 1, DType::kQ8, out, 0), Error);
  EXPECT_NO_THROW(convert_rows_parallel(pool, DType::kF32, &x, 4, 0, 1, DType::kQ8, out, 4));
}

}  // namespace
}  // namespace vidscope::tensor
