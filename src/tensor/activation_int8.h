#pragma once
// The few activation rows of a q8/q4 GEMV (decode), rounded to int8 once per matmul call so that the
// kernels can multiply int8 activations by int8/int4 weights with integer dot products (VNNI).
//
// Rounding: per block of 32 values (kActBlock, the q4 block), d = max|x| / 127 and
// q = round_half_even(x * (1 / d)) in [-127, 127] (f32 arithmetic); an all-zero block gets d = 0, a block holding NaN or inf
// gets d = NaN (so the outputs become NaN, as with f32 activations). The value a code stands for is
// d * q: error <= d / 2 = 1/254 of the block's largest magnitude.
//
// Layout of one row: k is zero-padded to whole groups of kActGroup = 128 values (4 blocks); group g
// takes kActGroupBytes = 256 bytes:
//   bytes   0..63   codes q (int8) of values 0..15 of blocks 0, 1, 2, 3 of the group (16 each)
//   bytes  64..127  codes of values 16..31 of blocks 0..3
//   bytes 128..191  16 int32 offset corrections (below): lane 4i for block i, lanes 4i+1..4i+3 zero
//   bytes 192..255  16 floats: lane 4i + j holds d of block i (j = 0..3)
// so that one 64-byte vector of codes lines up with the 32-bit lanes of a 16-lane integer dot product
// (lanes 4i..4i+3 belong to block i, 8 codes each: bytes 4j..4j+3 of the low and of the high half),
// and the scales line up with those lanes. A q4 weight block's nibbles (low: values 0..15, high:
// 16..31) fall into the same order.
// The offset correction is for kernels whose dot products need unsigned weights: they add `offset`
// to each weight code (q4: the stored nibble, code + 8; q8: code + 128), so each block's sum gains
// offset * (sum of its 32 activation codes); lane 4i holds minus that, ready to start the sum. The
// row-major kernels start their 16 lanes at the 16 correction lanes (a block's four lanes then add up
// to its correction); the tiled kernels broadcast lane 4i, since one of their lanes sums a whole block.
#include <cstddef>
#include <cstdint>

#include "tensor/dtype.h"

namespace vidscope::tensor {

inline constexpr std::int64_t kActBlock = 32;
inline constexpr std::int64_t kActBlocksPerGroup = 4;
inline constexpr std::int64_t kActGroup = kActBlock * kActBlocksPerGroup;
inline constexpr std::size_t kActGroupBytes = 256;
inline constexpr std::size_t kActCorrectionOffset = 128;  // bytes into a group
inline constexpr std::size_t kActScaleOffset = 192;

constexpr std::int64_t activation_groups(std::int64_t k) { return (k + kActGroup - 1) / kActGroup; }
// Bytes of one quantized row of k values (a multiple of 64).
constexpr std::size_t activation_row_bytes(std::int64_t k) {
  return static_cast<std::size_t>(activation_groups(k)) * kActGroupBytes;
}

// The weight code offset of the offset corrections: 8 for q4 (and q4x16), 128 for q8 (and q8x16), 0 for
// other types.
constexpr int activation_weight_offset(DType weights) {
  if (weights == DType::kQ4 || weights == DType::kQ4x16) return 8;
  return weights == DType::kQ8 || weights == DType::kQ8x16 ? 128 : 0;
}

// Rounds `rows` rows of k floats (rows x_stride floats apart) into `out` (rows
// activation_row_bytes(k) apart), with the offset corrections for `weights` (q8 or q4).
// Deterministic: the same input gives the same bytes on every CPU.
void quantize_activation_rows(const float* x, std::int64_t x_stride, int rows, std::int64_t k, DType weights,
                              std::uint8_t* out);

// The values the codes of one quantized row stand for (d * q), k floats: the same activations as
// the int8 kernels see, for the kernels that multiply in f32.
void dequantize_activation_row(const std::uint8_t* row, std::int64_t k, float* out);

}  // namespace vidscope::tensor
