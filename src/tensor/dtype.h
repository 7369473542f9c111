#pragma once
// Element types of tensors and the byte layout of one row of each. Weights are stored row-major
// [out, in] (PyTorch Linear); a "row" is one output channel, i.e. `cols` input values. Quantized
// types carry their scales inside the row, so any row range of a weight is self-contained (a loader
// can quantize tensor by tensor, and a plan can place some rows or layers on another device); q4x16
// and q8x16, the CPU's repacking of q4 and q8, are self-contained per tile of 16 rows.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vidscope::tensor {

enum class DType : std::uint8_t {
  kF32,   // IEEE binary32
  kF16,   // IEEE binary16
  kBF16,  // bfloat16: the upper 16 bits of a binary32
  kQ8,    // per row: f32 scale, then `cols` int8 values q; value = scale * q, q in [-127, 127]
  kQ4,    // per row: ceil(cols/32) blocks of kQ4BlockBytes: f16 scale d, then 16 bytes of nibbles;
          // byte j holds element j (low nibble) and element j+16 (high nibble) of the block, each
          // stored as q+8 with q in [-8, 7]; value = d * q. The last block is zero-padded.
  kQ4x16, // kQ4 and kQ8 rows interleaved in tiles of 16 rows (weight_tiles.h) for integer dot
  kQ8x16, // products across rows: the same bytes per row, but only whole tiles are self-contained.
};
inline constexpr int kDTypeCount = 7;

inline constexpr std::int64_t kQ4BlockSize = 32;   // elements per q4 block
inline constexpr std::size_t kQ4BlockBytes = 18;   // 2 (f16 scale) + 16 (32 nibbles)
inline constexpr std::size_t kQ8ScaleBytes = 4;    // f32 scale in front of each q8 row

std::string_view dtype_name(DType type);  // "f32", "f16", "bf16", "q8", "q4", "q4x16", "q8x16"

// True for types whose rows are plain arrays of elements (f32, f16, bf16).
constexpr bool is_plain(DType type) {
  return type == DType::kF32 || type == DType::kF16 || type == DType::kBF16;
}

// Bytes of one element of a plain type (4 or 2); 0 for quantized types, whose size is per row.
constexpr std::size_t element_bytes(DType type) {
  switch (type) {
    case DType::kF32: return 4;
    case DType::kF16:
    case DType::kBF16: return 2;
    default: return 0;
  }
}

// Bytes of one densely stored row of `cols` elements (including in-row scales for q8/q4; for the
// tiled types, a tile of 16 rows takes 16 times this).
constexpr std::size_t row_bytes(DType type, std::int64_t cols) {
  const auto n = static_cast<std::size_t>(cols);
  switch (type) {
    case DType::kF32: return 4 * n;
    case DType::kF16:
    case DType::kBF16: return 2 * n;
    case DType::kQ8:
    case DType::kQ8x16: return kQ8ScaleBytes + n;
    case DType::kQ4:
    case DType::kQ4x16: return kQ4BlockBytes * ((n + kQ4BlockSize - 1) / kQ4BlockSize);
  }
  return 0;
}

}  // namespace vidscope::tensor
