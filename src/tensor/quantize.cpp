#include "tensor/quantize.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "base/error.h"
#include "tensor/half.h"
#include "tensor/weight_tiles.h"
#include "tensor/worker_pool.h"

namespace vidscope::tensor {

namespace {

// Rows may sit at any byte address (memory-mapped files do not promise alignment).
std::uint16_t load_u16(const void* base, std::int64_t i) {
  std::uint16_t h;
  std::memcpy(&h, static_cast<const std::uint8_t*>(base) + 2 * i, 2);
  return h;
}
void store_u16(void* base, std::int64_t i, std::uint16_t h) {
  std::memcpy(static_cast<std::uint8_t*>(base) + 2 * i, &h, 2);
}

void load_row_f32(DType type, const void* src, std::int64_t cols, float* out) {
  switch (type) {
    case DType::kF32:
      std::memcpy(out, src, static_cast<std::size_t>(cols) * sizeof(float));
      return;
    case DType::kF16:
      for (std::int64_t i = 0; i < cols; ++i) out[i] = f16_to_f32(load_u16(src, i));
      return;
    case DType::kBF16:
      for (std::int64_t i = 0; i < cols; ++i) out[i] = bf16_to_f32(load_u16(src, i));
      return;
    default:
      throw_internal_error("convert_rows: source type " + std::string(dtype_name(type)) +
                           " is not f32, f16 or bf16");
  }
}

// std::nearbyint under the default rounding mode (ties to even) for |v| < 2^22, without the library
// call that made quantizing cost ~8 ns per value: adding 1.5 * 2^23 moves v where the float spacing is
// exactly 1, so the addition itself rounds (to even), and the subtraction is exact. Codes are at most
// ~128 in magnitude here. The sign of a zero result may differ (+0 for -0.3), which no code depends on:
// every caller converts the result to an integer. Exactness needs the product passed in to be rounded
// before the addition: this file is compiled with -ffp-contract=off (no fused multiply-add).
inline float round_half_even(float v) {
  constexpr float kShift = 12582912.0f;  // 1.5 * 2^23
  return (v + kShift) - kShift;
}

void check_finite(const float* x, std::int64_t cols, std::int64_t row) {
  // Inf and NaN are the values whose exponent bits are all ones; an integer test the compiler vectorizes.
  constexpr std::uint32_t kExponent = 0x7f800000u;
  std::uint32_t non_finite = 0;
  for (std::int64_t i = 0; i < cols; ++i) {
    std::uint32_t bits;
    std::memcpy(&bits, x + i, sizeof(bits));
    non_finite |= static_cast<std::uint32_t>((bits & kExponent) == kExponent);
  }
  if (non_finite == 0) return;
  for (std::int64_t i = 0; i < cols; ++i) {
    if (!std::isfinite(x[i])) {
      throw_input_error("weight row " + std::to_string(row) + " holds a non-finite value at column " +
                        std::to_string(i) + "; the weights are corrupt");
    }
  }
}

// max |x[i]| over n values (0 when n == 0; NaN values are skipped, as std::max(m, NaN) keeps m). Eight
// independent running maxima instead of one chain: max is exact and order-free, so the result equals
// the sequential loop's while the compiler can vectorize it.
float max_abs(const float* x, std::int64_t n) {
  constexpr int kLanes = 8;
  float lane[kLanes] = {};
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int j = 0; j < kLanes; ++j) lane[j] = std::max(lane[j], std::fabs(x[i + j]));
  }
  float m = 0.0f;
  for (; i < n; ++i) m = std::max(m, std::fabs(x[i]));
  for (float l : lane) m = std::max(m, l);
  return m;
}

void store_row(DType type, const float* x, std::int64_t cols, void* dst) {
  switch (type) {
    case DType::kF32:
      std::memcpy(dst, x, static_cast<std::size_t>(cols) * sizeof(float));
      return;
    case DType::kF16:
      for (std::int64_t i = 0; i < cols; ++i) store_u16(dst, i, f32_to_f16(x[i]));
      return;
    case DType::kBF16:
      for (std::int64_t i = 0; i < cols; ++i) store_u16(dst, i, f32_to_bf16(x[i]));
      return;
    case DType::kQ8: quantize_row_q8(x, cols, dst); return;
    case DType::kQ4: quantize_row_q4(x, cols, dst); return;
    case DType::kQ4x16:
    case DType::kQ8x16: break;  // not row by row: convert_row_range quantizes rows, then tiles
  }
  throw_internal_error("store_row: " + std::string(dtype_name(type)) + " is not stored row by row");
}

}  // namespace

void quantize_row_q8(const float* x, std::int64_t cols, void* dst_row) {
  const float scale = max_abs(x, cols) / 127.0f;
  const float inverse = scale > 0.0f ? 1.0f / scale : 0.0f;
  auto* bytes = static_cast<std::uint8_t*>(dst_row);
  std::memcpy(bytes, &scale, sizeof(scale));
  auto* q = reinterpret_cast<std::int8_t*>(bytes + kQ8ScaleBytes);
  for (std::int64_t i = 0; i < cols; ++i) {
    const float code = round_half_even(x[i] * inverse);
    q[i] = static_cast<std::int8_t>(std::clamp(code, -127.0f, 127.0f));
  }
}

void quantize_row_q4(const float* x, std::int64_t cols, void* dst_row) {
  auto* block = static_cast<std::uint8_t*>(dst_row);
  for (std::int64_t b0 = 0; b0 < cols; b0 += kQ4BlockSize, block += kQ4BlockBytes) {
    const std::int64_t n = std::min(kQ4BlockSize, cols - b0);
    // The first value of the largest magnitude, sign included (+0 for an all-zero block).
    const float amax = max_abs(x + b0, n);
    float extreme = 0.0f;
    if (amax > 0.0f) {
      std::int64_t i = 0;
      while (std::fabs(x[b0 + i]) != amax) ++i;
      extreme = x[b0 + i];
    }
    const std::uint16_t d16 = f32_to_f16(extreme / -8.0f);
    const float d = f16_to_f32(d16);
    if (!std::isfinite(d)) {
      throw_input_error("weight value " + std::to_string(extreme) + " is too large for q4 (f16 block scale)");
    }
    const float inverse = d != 0.0f ? 1.0f / d : 0.0f;
    // A short final block is padded with zeros (code 8), so every block runs the same vectorizable loop.
    float padded[kQ4BlockSize] = {};
    const float* v = x + b0;
    if (n < kQ4BlockSize) {
      std::copy(v, v + n, padded);
      v = padded;
    }
    std::uint8_t codes[kQ4BlockSize];
    for (std::int64_t i = 0; i < kQ4BlockSize; ++i) {
      const float q = std::clamp(round_half_even(v[i] * inverse), -8.0f, 7.0f);
      codes[i] = static_cast<std::uint8_t>(static_cast<int>(q) + 8);
    }
    std::memcpy(block, &d16, sizeof(d16));
    for (int j = 0; j < 16; ++j) block[2 + j] = static_cast<std::uint8_t>(codes[j] | (codes[j + 16] << 4));
  }
}

void dequantize_row(DType type, const void* row, std::int64_t cols, float* dst) {
  if (is_tiled(type)) throw_internal_error("dequantize_row: a " + std::string(dtype_name(type)) + " row is spread over its tile");
  if (is_plain(type)) {
    load_row_f32(type, row, cols, dst);
    return;
  }
  const auto* bytes = static_cast<const std::uint8_t*>(row);
  if (type == DType::kQ8) {
    float scale;
    std::memcpy(&scale, bytes, sizeof(scale));
    const auto* q = reinterpret_cast<const std::int8_t*>(bytes + kQ8ScaleBytes);
    for (std::int64_t i = 0; i < cols; ++i) dst[i] = scale * static_cast<float>(q[i]);
    return;
  }
  for (std::int64_t b0 = 0; b0 < cols; b0 += kQ4BlockSize, bytes += kQ4BlockBytes) {
    std::uint16_t d16;
    std::memcpy(&d16, bytes, sizeof(d16));
    const float d = f16_to_f32(d16);
    const std::int64_t n = std::min(kQ4BlockSize, cols - b0);
    for (std::int64_t i = 0; i < n; ++i) {
      const std::uint8_t byte = bytes[2 + (i & 15)];
      const int code = i < 16 ? (byte & 0x0f) : (byte >> 4);
      dst[b0 + i] = d * static_cast<float>(code - 8);
    }
  }
}

namespace {

// `first_row` is the index of the first row within the caller's whole range, for error messages.
void convert_row_range(DType src_type, const void* src, std::size_t src_stride, std::int64_t first_row,
                       std::int64_t rows, std::int64_t cols, DType dst_type, void* dst) {
  if (is_tiled(dst_type)) {
    if (!fits_tiles(dst_type, rows, cols)) {
      throw_internal_error("convert_rows: [" + std::to_string(rows) + ", " + std::to_string(cols) + "] is not whole " +
                           std::string(dtype_name(dst_type)) + " tiles");
    }
    convert_row_range(src_type, src, src_stride, first_row, rows, cols, untiled(dst_type), dst);
    tile_rows(dst_type, dst, rows, cols);
    return;
  }
  std::vector<float> scratch(static_cast<std::size_t>(cols));
  const std::size_t dst_stride = row_bytes(dst_type, cols);
  const bool quantized = !is_plain(dst_type);
  for (std::int64_t r = 0; r < rows; ++r) {
    load_row_f32(src_type, static_cast<const std::uint8_t*>(src) + r * src_stride, cols, scratch.data());
    if (quantized) check_finite(scratch.data(), cols, first_row + r);
    store_row(dst_type, scratch.data(), cols, static_cast<std::uint8_t*>(dst) + r * dst_stride);
  }
}

}  // namespace

void convert_rows(DType src_type, const void* src, std::size_t src_stride, std::int64_t rows,
                  std::int64_t cols, DType dst_type, void* dst) {
  convert_row_range(src_type, src, src_stride, 0, rows, cols, dst_type, dst);
}

void convert_rows_parallel(WorkerPool& pool, DType src_type, const void* src, std::size_t src_stride,
                           std::int64_t rows, std::int64_t cols, DType dst_type, void* dst,
                           std::int64_t block_rows, const RowBlockDone& on_block_done) {
  if (block_rows < 1) throw_internal_error("convert_rows_parallel: block_rows must be >= 1");
  if (rows <= 0) return;
  if (is_tiled(dst_type)) block_rows = (block_rows + kTileRows - 1) / kTileRows * kTileRows;
  const std::size_t dst_stride = row_bytes(dst_type, cols);
  const auto blocks = static_cast<std::size_t>((rows + block_rows - 1) / block_rows);
  pool.run(blocks, [&](std::size_t block) {
    const std::int64_t first = static_cast<std::int64_t>(block) * block_rows;
    const std::int64_t n = std::min(block_rows, rows - first);
    const auto f = static_cast<std::size_t>(first);
    convert_row_range(src_type, static_cast<const std::uint8_t*>(src) + f * src_stride, src_stride, first, n, cols,
                      dst_type, static_cast<std::uint8_t*>(dst) + f * dst_stride);
    if (on_block_done) on_block_done(first, n);
  });
}

void quantize_rows_q8(DType src_type, const void* src, std::size_t src_stride, std::int64_t rows,
                      std::int64_t cols, void* dst) {
  convert_rows(src_type, src, src_stride, rows, cols, DType::kQ8, dst);
}

void quantize_rows_q4(DType src_type, const void* src, std::size_t src_stride, std::int64_t rows,
                      std::int64_t cols, void* dst) {
  convert_rows(src_type, src, src_stride, rows, cols, DType::kQ4, dst);
}

void dequantize_rows(DType src_type, const void* src, std::size_t src_stride, std::int64_t rows,
                     std::int64_t cols, float* dst, std::size_t dst_stride) {
  if (is_tiled(src_type)) {
    if (src_stride != row_bytes(src_type, cols)) throw_internal_error("dequantize_rows: tiled rows must be dense");
    std::vector<std::uint8_t> plain_rows(src_stride * static_cast<std::size_t>(rows));
    untile_rows(src_type, src, rows, cols, plain_rows.data());
    dequantize_rows(untiled(src_type), plain_rows.data(), src_stride, rows, cols, dst, dst_stride);
    return;
  }
  for (std::int64_t r = 0; r < rows; ++r) {
    dequantize_row(src_type, static_cast<const std::uint8_t*>(src) + r * src_stride, cols, dst + r * dst_stride);
  }
}

}  // namespace vidscope::tensor
