#pragma once
// The q4x16 weight layout (DType::kQ4x16): q4 rows (dtype.h) repacked in tiles of 16 rows, so that
// one 64-byte load holds four consecutive weights of each of 16 output rows, lined up with the 32-bit
// lanes of an integer dot product. A decode GEMV then multiplies 16 output rows at once against one
// broadcast group of four activation codes, and each lane sums a whole block of 32 before its scale
// is applied: a quarter of the float work per weight of the row-major q4 kernel, which at batch 8 is
// what bounds it (docs/benchmarks.md).
//
// Rows 16t..16t+15 form tile t, which takes the bytes of those 16 q4 rows (16 * row_bytes(kQ4, cols),
// starting where row 16t would start). Within a tile, block b (values 32b..32b+31 of each row) takes
// kQ4TileBlockBytes = 288 bytes:
//   bytes   0..31   the 16 rows' f16 block scales d (row r at 2r)
//   bytes  32..287  four 64-byte vectors; vector s holds nibble bytes 4s..4s+3 of each row's block (row
//                   r at 4r): values 4s..4s+3 in the low nibbles, values 16+4s..16+4s+3 in the high ones
// Codes and scales are those of q4, so a tiled weight stands for exactly the same values.
#include <cstddef>
#include <cstdint>

#include "tensor/dtype.h"

namespace vidscope::tensor {

inline constexpr std::int64_t kQ4TileRows = 16;
inline constexpr std::size_t kQ4TileBlockBytes = kQ4TileRows * kQ4BlockBytes;
inline constexpr std::size_t kQ4TileScaleBytes = 2 * kQ4TileRows;

// Whether a weight of `rows` rows can take the tiled layout (whole tiles only).
constexpr bool fits_q4_tiles(std::int64_t rows) { return rows > 0 && rows % kQ4TileRows == 0; }

// Repacks `rows` q4 rows of `cols` values in place into q4x16. Throws Error(kInternal) unless
// fits_q4_tiles(rows). Tiles are independent: distinct tile ranges may be repacked concurrently.
void tile_q4_rows(void* data, std::int64_t rows, std::int64_t cols);

// The inverse: q4x16 `src` into q4 rows at `dst` (which must not overlap src).
void untile_q4_rows(const void* src, std::int64_t rows, std::int64_t cols, void* dst);

}  // namespace vidscope::tensor
