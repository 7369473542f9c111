#include "tensor/weight_tiles.h"

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "base/error.h"
#include "tensor/quantize.h"
#include "tensor/worker_pool.h"
#include "test_support.h"

namespace vidscope::tensor {
namespace {

using testing::random_values;

std::vector<std::uint8_t> q4_rows(const std::vector<float>& w, int rows, int cols) {
  std::vector<std::uint8_t> out(row_bytes(DType::kQ4, cols) * rows);
  convert_rows(DType::kF32, w.data(), static_cast<std::size_t>(cols) * 4, rows, cols, DType::kQ4, out.data());
  return out;
}

// The layout of weight_tiles.h, byte by byte: row r's scale of block b at 2r, its nibble bytes 4s..4s+3 at
// 32 + 64s + 4r, tile t where row 16t starts.
TEST(WeightTilesTest, Q4RowsLandWhereTheLayoutSays) {
  const int rows = 32, cols = 70;  // two tiles; three blocks, the last one partial
  const auto rows_q4 = q4_rows(random_values(rows * cols, 1), rows, cols);
  std::vector<std::uint8_t> tiled = rows_q4;
  tile_rows(DType::kQ4x16, tiled.data(), rows, cols);
  const std::size_t row_size = row_bytes(DType::kQ4, cols);
  for (int r = 0; r < rows; ++r) {
    const std::uint8_t* tile = tiled.data() + (r / 16) * 16 * row_size;
    for (int b = 0; b < 3; ++b) {
      const std::uint8_t* block = rows_q4.data() + r * row_size + b * kQ4BlockBytes;
      const std::uint8_t* tile_block = tile + b * kQ4TileBlockBytes;
      EXPECT_EQ(std::memcmp(tile_block + 2 * (r % 16), block, 2), 0) << "scale of row " << r << " block " << b;
      for (int s = 0; s < 4; ++s) {
        EXPECT_EQ(std::memcmp(tile_block + 32 + 64 * s + 4 * (r % 16), block + 2 + 4 * s, 4), 0)
            << "nibbles " << 4 * s << ".. of row " << r << " block " << b;
      }
    }
  }
  std::vector<std::uint8_t> back(tiled.size());
  untile_rows(DType::kQ4x16, tiled.data(), rows, cols, back.data());
  EXPECT_EQ(back, rows_q4);
}

// Converting into a tiled type is the row type then tiling, whatever the threads and blocks; the values
// are the row type's.
TEST(WeightTilesTest, ConversionsAgreeWithTheRowTypes) {
  for (const DType tiled : {DType::kQ4x16, DType::kQ8x16}) {
    SCOPED_TRACE(std::string(dtype_name(tiled)));
    const DType plain = untiled(tiled);
    const int rows = 48, cols = 96;
    const auto w = random_values(rows * cols, 2);
    std::vector<std::uint8_t> expected(row_bytes(plain, cols) * rows);
    convert_rows(DType::kF32, w.data(), cols * 4, rows, cols, plain, expected.data());
    std::vector<float> plain_values(rows * cols), tiled_values(rows * cols);
    dequantize_rows(plain, expected.data(), row_bytes(plain, cols), rows, cols, plain_values.data(), cols);
    tile_rows(tiled, expected.data(), rows, cols);

    std::vector<std::uint8_t> serial(expected.size()), parallel(expected.size());
    convert_rows(DType::kF32, w.data(), cols * 4, rows, cols, tiled, serial.data());
    EXPECT_EQ(serial, expected);
    WorkerPool pool(3);
    convert_rows_parallel(pool, DType::kF32, w.data(), cols * 4, rows, cols, tiled, parallel.data(), 5);
    EXPECT_EQ(parallel, expected);  // blocks of 5 rows are rounded up to whole tiles

    dequantize_rows(tiled, serial.data(), row_bytes(tiled, cols), rows, cols, tiled_values.data(), cols);
    EXPECT_EQ(tiled_values, plain_values);
  }
}

// The q8x16 layout byte by byte: row scales first (row r at 4r), then per block of 32 values eight
// vectors, vector s holding values 4s..4s+3 of row r at 4r.
TEST(WeightTilesTest, Q8RowsLandWhereTheLayoutSays) {
  const int rows = 16, cols = 64;
  const auto w = random_values(rows * cols, 3);
  std::vector<std::uint8_t> plain(row_bytes(DType::kQ8, cols) * rows);
  convert_rows(DType::kF32, w.data(), cols * 4, rows, cols, DType::kQ8, plain.data());
  std::vector<std::uint8_t> tiled = plain;
  tile_rows(DType::kQ8x16, tiled.data(), rows, cols);
  const std::size_t row_size = row_bytes(DType::kQ8, cols);
  for (int r = 0; r < rows; ++r) {
    const std::uint8_t* row = plain.data() + r * row_size;
    EXPECT_EQ(std::memcmp(tiled.data() + 4 * r, row, 4), 0) << "scale of row " << r;
    for (int b = 0; b < 2; ++b) {
      for (int s = 0; s < 8; ++s) {
        EXPECT_EQ(std::memcmp(tiled.data() + 64 + 512 * b + 64 * s + 4 * r, row + 4 + 32 * b + 4 * s, 4), 0)
            << "values " << 32 * b + 4 * s << ".. of row " << r;
      }
    }
  }
  std::vector<std::uint8_t> back(tiled.size());
  untile_rows(DType::kQ8x16, tiled.data(), rows, cols, back.data());
  EXPECT_EQ(back, plain);
}

TEST(WeightTilesTest, PartialTilesAreInternalErrors) {
  std::vector<std::uint8_t> bytes(row_bytes(DType::kQ4, 32) * 20);
  const std::vector<float> w(20 * 32, 1.0f);
  EXPECT_FALSE(fits_tiles(DType::kQ4x16, 20, 32));
  EXPECT_FALSE(fits_tiles(DType::kQ4x16, 0, 32));
  EXPECT_TRUE(fits_tiles(DType::kQ4x16, 64, 33));
  EXPECT_FALSE(fits_tiles(DType::kQ8x16, 64, 33));  // q8x16 takes whole blocks of 32 values
  EXPECT_TRUE(fits_tiles(DType::kQ8x16, 64, 96));
  EXPECT_FALSE(fits_tiles(DType::kQ8, 64, 96));
  for (const auto& call : std::vector<std::function<void()>>{
           [&] { tile_rows(DType::kQ4x16, bytes.data(), 20, 32); },
           [&] { convert_rows(DType::kF32, w.data(), 32 * 4, 20, 32, DType::kQ4x16, bytes.data()); },
           [&] {
             float row[32];
             dequantize_row(DType::kQ4x16, bytes.data(), 32, row);
           },
           [&] { tile_rows(DType::kQ8x16, bytes.data(), 16, 20); }}) {
    try {
      call();
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInternal) << e.what();
    }
  }
}

}  // namespace
}  // namespace vidscope::tensor
