#pragma once
// Row-by-row conversion into the weight formats of dtype.h. Each call handles a range of rows, so a
// loader can stream a tensor from a memory-mapped bf16 file into q8/q4 without ever holding an f32
// copy of the whole tensor (only one f32 row of scratch per call).
//
// Quantization is symmetric:
//   q8: scale = max|x| / 127 per row, q = round_half_even(x / scale).
//   q4: per block of 32, d = (the value with the largest magnitude) / -8, rounded to f16, and
//       q = clamp(round_half_even(x / d), -8, 7): the extreme value maps exactly onto -8 and the
//       other side keeps 7 steps, which uses all 16 codes (the q4_0 layout of ggml).
// All-zero rows/blocks get scale 0. Non-finite source values throw Error(kInput) naming the row,
// since a model with NaN/inf weights is corrupt input, not something to quantize silently.
// Source rows may sit at any byte address (memory-mapped files promise no alignment).
// Thread-safety: functions are pure apart from writing `dst`; distinct row ranges may be
// converted concurrently (convert_rows_parallel does exactly that).
#include <cstddef>
#include <cstdint>
#include <functional>

#include "tensor/dtype.h"

namespace vidscope::tensor {

class WorkerPool;

// Converts `rows` rows of `cols` elements from `src` (type src_type in {f32, f16, bf16}, rows
// `src_stride` bytes apart) into `dst` (type dst_type, any DType; rows row_bytes(dst_type, cols)
// apart; q4x16/q8x16: q4/q8, then tiled, which needs whole tiles). Throws Error(kInternal) for an
// unsupported source type.
void convert_rows(DType src_type, const void* src, std::size_t src_stride, std::int64_t rows,
                  std::int64_t cols, DType dst_type, void* dst);

// Called after rows [first_row, first_row + rows) are converted, on the thread that converted them (a
// loader uses it to release the source pages it no longer needs). Must be thread-safe.
using RowBlockDone = std::function<void(std::int64_t first_row, std::int64_t rows)>;

// convert_rows with the rows cut into blocks of `block_rows` (>= 1) that the pool's threads convert
// concurrently (tiled types: blocks rounded up to whole tiles). Every row is converted by the same code as
// in convert_rows, independently of the others, so the result is bit-identical for any pool size and
// block size. Errors name the row index
// within the whole range; the first one is rethrown after the blocks already started have finished.
void convert_rows_parallel(WorkerPool& pool, DType src_type, const void* src, std::size_t src_stride,
                           std::int64_t rows, std::int64_t cols, DType dst_type, void* dst,
                           std::int64_t block_rows = 64, const RowBlockDone& on_block_done = {});

// Shorthands for convert_rows(..., DType::kQ8 / kQ4, dst).
void quantize_rows_q8(DType src_type, const void* src, std::size_t src_stride, std::int64_t rows,
                      std::int64_t cols, void* dst);
void quantize_rows_q4(DType src_type, const void* src, std::size_t src_stride, std::int64_t rows,
                      std::int64_t cols, void* dst);

// Expands `rows` rows of any DType (rows `src_stride` bytes apart; tiled types: dense whole tiles) into f32
// rows `dst_stride` floats apart. Exact for every type (a quantized value is its scale times its
// integer code).
void dequantize_rows(DType src_type, const void* src, std::size_t src_stride, std::int64_t rows,
                     std::int64_t cols, float* dst, std::size_t dst_stride);

// One row, in place of the above, for kernels and tests.
void quantize_row_q8(const float* x, std::int64_t cols, void* dst_row);
void quantize_row_q4(const float* x, std::int64_t cols, void* dst_row);
void dequantize_row(DType type, const void* row, std::int64_t cols, float* dst);  // not tiled types

}  // namespace vidscope::tensor
