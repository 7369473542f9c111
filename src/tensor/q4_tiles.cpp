#include "tensor/q4_tiles.h"

#include <cstring>
#include <string>
#include <vector>

#include "base/error.h"

namespace vidscope::tensor {

namespace {

// Where row r's piece of block b lies in a tile: its scale, and nibble bytes 4s..4s+3.
constexpr std::size_t tile_scale_offset(std::int64_t b, std::int64_t r) {
  return static_cast<std::size_t>(b) * kQ4TileBlockBytes + 2 * static_cast<std::size_t>(r);
}
constexpr std::size_t tile_nibble_offset(std::int64_t b, std::int64_t r, int s) {
  return static_cast<std::size_t>(b) * kQ4TileBlockBytes + kQ4TileScaleBytes + 64 * static_cast<std::size_t>(s) +
         4 * static_cast<std::size_t>(r);
}

// Copies between one tile and its 16 rows; `to_tile` picks the direction.
void move_tile(std::uint8_t* tile, std::uint8_t* rows, std::int64_t blocks, std::size_t row_size, bool to_tile) {
  for (std::int64_t r = 0; r < kQ4TileRows; ++r) {
    std::uint8_t* row = rows + static_cast<std::size_t>(r) * row_size;
    for (std::int64_t b = 0; b < blocks; ++b) {
      std::uint8_t* block = row + static_cast<std::size_t>(b) * kQ4BlockBytes;
      const auto copy = [&](std::size_t tile_offset, std::uint8_t* row_bytes, std::size_t n) {
        if (to_tile) {
          std::memcpy(tile + tile_offset, row_bytes, n);
        } else {
          std::memcpy(row_bytes, tile + tile_offset, n);
        }
      };
      copy(tile_scale_offset(b, r), block, 2);
      for (int s = 0; s < 4; ++s) copy(tile_nibble_offset(b, r, s), block + 2 + 4 * s, 4);
    }
  }
}

}  // namespace

void tile_q4_rows(void* data, std::int64_t rows, std::int64_t cols) {
  if (!fits_q4_tiles(rows)) {
    throw_internal_error("tile_q4_rows: " + std::to_string(rows) + " rows are not whole tiles of " +
                         std::to_string(kQ4TileRows));
  }
  const std::size_t row_size = row_bytes(DType::kQ4, cols);
  const std::int64_t blocks = (cols + kQ4BlockSize - 1) / kQ4BlockSize;
  std::vector<std::uint8_t> rows_copy(row_size * kQ4TileRows);
  auto* bytes = static_cast<std::uint8_t*>(data);
  for (std::int64_t t = 0; t < rows / kQ4TileRows; ++t) {
    std::uint8_t* tile = bytes + static_cast<std::size_t>(t) * rows_copy.size();
    std::memcpy(rows_copy.data(), tile, rows_copy.size());
    move_tile(tile, rows_copy.data(), blocks, row_size, true);
  }
}

void untile_q4_rows(const void* src, std::int64_t rows, std::int64_t cols, void* dst) {
  if (!fits_q4_tiles(rows)) {
    throw_internal_error("untile_q4_rows: " + std::to_string(rows) + " rows are not whole tiles of " +
                         std::to_string(kQ4TileRows));
  }
  const std::size_t row_size = row_bytes(DType::kQ4, cols);
  const std::int64_t blocks = (cols + kQ4BlockSize - 1) / kQ4BlockSize;
  const std::size_t tile_size = row_size * kQ4TileRows;
  for (std::int64_t t = 0; t < rows / kQ4TileRows; ++t) {
    const std::size_t at = static_cast<std::size_t>(t) * tile_size;
    // move_tile only reads the tile in this direction.
    move_tile(const_cast<std::uint8_t*>(static_cast<const std::uint8_t*>(src)) + at, static_cast<std::uint8_t*>(dst) + at,
              blocks, row_size, false);
  }
}

}  // namespace vidscope::tensor
