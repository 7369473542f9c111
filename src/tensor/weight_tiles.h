#pragma once
// The tiled weight layouts q4x16 and q8x16 (DType::kQ4x16, kQ8x16): q4 and q8 rows (dtype.h) repacked
// in tiles of 16 rows, so that one 64-byte load holds four consecutive codes of each of 16 output rows,
// lined up with the 32-bit lanes of an integer dot product. A decode GEMV then multiplies 16 output
// rows at once against one broadcast group of four activation codes, and each lane sums a whole block
// of 32 before a scale is applied: a quarter of the float work per weight of the row-major kernels,
// whose lanes each sum 8 codes of one row. At batch 8 that float work is what bounds them
// (docs/benchmarks.md). Only the host tiles, and only where its kernels have the tiled GEMV.
//
// Rows 16t..16t+15 form tile t, which takes the bytes of those 16 rows (16 * row_bytes(type, cols),
// starting where row 16t would start). Within a tile, "vector s" of a block of 32 values holds values
// 4s..4s+3 of each of the 16 rows (row r at bytes 4r..4r+3), s = 0..7.
//  - q4x16: block b takes kQ4TileBlockBytes = 288 bytes: the 16 rows' f16 block scales (row r at 2r),
//    then four 64-byte vectors of nibble bytes: vector s holds nibble bytes 4s..4s+3 of each row's
//    block, whose low nibbles are vector s and high nibbles vector 4 + s of the values.
//  - q8x16: the 16 rows' f32 scales first (64 bytes, row r at 4r), then block b takes kQ8TileBlockBytes =
//    512 bytes: the eight vectors of int8 codes. Needs cols to be a multiple of 32.
// Codes and scales are those of q4 / q8, so a tiled weight stands for exactly the same values.
#include <cstddef>
#include <cstdint>

#include "tensor/dtype.h"

namespace vidscope::tensor {

inline constexpr std::int64_t kTileRows = 16;
inline constexpr std::int64_t kTileBlock = kQ4BlockSize;  // values per block, q8x16 included
inline constexpr std::size_t kQ4TileBlockBytes = kTileRows * kQ4BlockBytes;
inline constexpr std::size_t kQ4TileScaleBytes = 2 * kTileRows;
inline constexpr std::size_t kQ8TileScaleBytes = kTileRows * kQ8ScaleBytes;
inline constexpr std::size_t kQ8TileBlockBytes = kTileRows * kTileBlock;

constexpr bool is_tiled(DType type) { return type == DType::kQ4x16 || type == DType::kQ8x16; }
// The row type a tiled type rearranges (q4 or q8); any other type itself.
constexpr DType untiled(DType type) {
  return type == DType::kQ4x16 ? DType::kQ4 : (type == DType::kQ8x16 ? DType::kQ8 : type);
}
// Whether a [rows, cols] weight can take the tiled `type` (whole tiles; q8x16: whole blocks).
constexpr bool fits_tiles(DType type, std::int64_t rows, std::int64_t cols) {
  if (rows <= 0 || rows % kTileRows != 0 || cols <= 0) return false;
  return type == DType::kQ4x16 || (type == DType::kQ8x16 && cols % kTileBlock == 0);
}

// Repacks `rows` rows of `cols` values of untiled(type) in place into the tiled `type`. Throws
// Error(kInternal) unless fits_tiles(type, rows, cols). Tiles are independent: distinct tile ranges may
// be repacked concurrently.
void tile_rows(DType type, void* data, std::int64_t rows, std::int64_t cols);

// The inverse: tiled `src` into rows of untiled(type) at `dst` (which must not overlap src).
void untile_rows(DType type, const void* src, std::int64_t rows, std::int64_t cols, void* dst);

}  // namespace vidscope::tensor
