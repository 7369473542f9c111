#include "tensor/weight_tiles.h"

#include <cstring>
#include <string>
#include <vector>

#include "base/error.h"

namespace vidscope::tensor {

namespace {

// Calls piece(row, tile offset, offset in the row, bytes) for every piece of the 16 rows of a tile:
// where each part of each row goes in the tiled layout (weight_tiles.h).
template <class Piece>
void for_each_piece(DType type, std::int64_t cols, Piece piece) {
  const auto blocks = static_cast<std::size_t>((cols + kTileBlock - 1) / kTileBlock);
  for (std::size_t r = 0; r < kTileRows; ++r) {
    if (type == DType::kQ8x16) piece(r, 4 * r, 0, kQ8ScaleBytes);
    for (std::size_t b = 0; b < blocks; ++b) {
      if (type == DType::kQ4x16) {
        const std::size_t tile_block = b * kQ4TileBlockBytes, row_block = b * kQ4BlockBytes;
        piece(r, tile_block + 2 * r, row_block, 2);
        for (std::size_t s = 0; s < 4; ++s) piece(r, tile_block + kQ4TileScaleBytes + 64 * s + 4 * r, row_block + 2 + 4 * s, 4);
      } else {
        const std::size_t tile_block = kQ8TileScaleBytes + b * kQ8TileBlockBytes, row_block = kQ8ScaleBytes + static_cast<std::size_t>(kTileBlock) * b;
        for (std::size_t s = 0; s < 8; ++s) piece(r, tile_block + 64 * s + 4 * r, row_block + 4 * s, 4);
      }
    }
  }
}

void check_tiles(const char* what, DType type, std::int64_t rows, std::int64_t cols) {
  if (!fits_tiles(type, rows, cols)) {
    throw_internal_error(std::string(what) + ": [" + std::to_string(rows) + ", " + std::to_string(cols) + "] is not whole " +
                         std::string(dtype_name(type)) + " tiles");
  }
}

}  // namespace

void tile_rows(DType type, void* data, std::int64_t rows, std::int64_t cols) {
  check_tiles("tile_rows", type, rows, cols);
  const std::size_t row_size = row_bytes(untiled(type), cols);
  std::vector<std::uint8_t> rows_copy(row_size * kTileRows);
  for (std::int64_t t = 0; t < rows / kTileRows; ++t) {
    std::uint8_t* tile = static_cast<std::uint8_t*>(data) + static_cast<std::size_t>(t) * rows_copy.size();
    std::memcpy(rows_copy.data(), tile, rows_copy.size());
    for_each_piece(type, cols, [&](std::size_t r, std::size_t at, std::size_t from, std::size_t n) {
      std::memcpy(tile + at, rows_copy.data() + r * row_size + from, n);
    });
  }
}

void untile_rows(DType type, const void* src, std::int64_t rows, std::int64_t cols, void* dst) {
  check_tiles("untile_rows", type, rows, cols);
  const std::size_t row_size = row_bytes(untiled(type), cols);
  const std::size_t tile_size = row_size * kTileRows;
  for (std::int64_t t = 0; t < rows / kTileRows; ++t) {
    const auto* tile = static_cast<const std::uint8_t*>(src) + static_cast<std::size_t>(t) * tile_size;
    auto* out = static_cast<std::uint8_t*>(dst) + static_cast<std::size_t>(t) * tile_size;
    for_each_piece(type, cols, [&](std::size_t r, std::size_t at, std::size_t from, std::size_t n) {
      std::memcpy(out + r * row_size + from, tile + at, n);
    });
  }
}

}  // namespace vidscope::tensor
