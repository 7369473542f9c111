#pragma once
// The launch wrappers of the CUDA kernels (the .cu files of this folder), called by the backend's
// C++ code after it has checked shapes and types. Plain pointers and sizes only, so the .cu files
// stay free of the project's host headers and nvcc compiles little. Strides count elements of the
// operand's type (floats for f32 views) unless named `_bytes`. Every wrapper queues its work on
// `stream` and returns cudaGetLastError() (a launch error; faults inside kernels surface at the
// next synchronization).
#include <cstddef>
#include <cstdint>

#include <cuda_runtime_api.h>

namespace vidscope::backend::cuda {

// Weight types by their tensor::DType value (dtype.h): the .cu files do not include dtype.h.
enum class WeightType : int { kF32 = 0, kF16 = 1, kBF16 = 2, kQ8 = 3, kQ4 = 4 };

// ---- gemv.cu: decode-sized matmul and weight conversion for the GEMM path ----
inline constexpr int kGemvMaxRows = 8;  // more rows of x take the cuBLASLt path

// The row limit of the GEMV path per weight type, from the decode step of Qwen2-VL-7B on an H200
// (docs/benchmarks.md). 16-bit weights: cuBLASLt reads them in place and ran the step in 5.25 ms at
// 2 rows and 5.37 at 8, against the GEMV's 5.83 and 19.0 (it re-reads the f32 x of every row for
// each pair of weight rows), so the GEMV keeps 1 row (4.36 ms, exact f32 x). f32, q8, q4: cuBLASLt
// needs a bf16 copy of W on every call (25-28 ms for q8/q4); the GEMV (8.4 / 11.0 ms at 8 rows)
// takes up to 8 rows, and up to kGemvRowBlocksMaxRows in blocks of 8.
constexpr int gemv_max_rows_for(WeightType type) {
  return type == WeightType::kBF16 || type == WeightType::kF16 ? 1 : kGemvMaxRows;
}
inline constexpr int kGemvRowBlocksMaxRows = 24;  // 3 GEMV passes ~ one bf16 conversion of W + GEMM

struct GemvLaunch {
  WeightType type = WeightType::kF32;
  const void* w = nullptr;       // [n, k] rows of type `type`, w_stride_bytes apart
  std::size_t w_stride_bytes = 0;
  const float* x = nullptr;      // [rows, k]
  std::int64_t x_stride = 0;
  int rows = 0;                  // 1..kGemvMaxRows
  std::int64_t n = 0;
  std::int64_t k = 0;
  const float* bias = nullptr;   // [n] or null
  float* y = nullptr;            // [rows, n]
  std::int64_t y_stride = 0;
  // True when w, x and their strides allow the vector loads of `type` (gemv_vector_alignment
  // bytes for w, 16 for x): the kernel then reads whole 16-byte (4-byte for q8/q4) words.
  bool vector_loads = false;
};
// The alignment in bytes the vector loads of `type` need of W's base address and row stride.
std::size_t gemv_vector_alignment(WeightType type);
cudaError_t launch_gemv(const GemvLaunch& args, cudaStream_t stream);

// The current device's multiprocessor count (asked once per device).
int gemv_multiprocessor_count();

// ---- gemv_int8.cu: q8/q4 GEMV with x rounded to int8 as the CPU does (tensor/activation_int8.h) ----
inline constexpr int kInt8ActivationBlock = 32;

// x quantized per block of 32: codes [rows][row_bytes] (row_bytes = blocks * 32, a multiple of 16,
// the buffer 16-byte aligned), scales d and code sums [rows][blocks].
struct Int8Rows {
  signed char* codes = nullptr;
  float* scales = nullptr;
  int* sums = nullptr;
  std::int64_t blocks = 0;
  std::int64_t row_bytes = 0;
};
cudaError_t launch_quantize_activations(const float* x, std::int64_t x_stride, int rows, std::int64_t k,
                                        const Int8Rows& out, cudaStream_t stream);
// a.type is kQ8 or kQ4; a.x is not read (x is the quantized rows).
cudaError_t launch_gemv_int8(const GemvLaunch& a, const Int8Rows& x, cudaStream_t stream);

// dst (dense bf16 [rows, cols]) = x rounded to nearest-even bf16.
cudaError_t launch_f32_to_bf16(const float* x, std::int64_t x_stride, std::int64_t rows, std::int64_t cols,
                               std::uint16_t* dst, cudaStream_t stream);
// dst (dense bf16 [rows, cols]) = the weight rows of `type` dequantized and rounded to bf16.
cudaError_t launch_weights_to_bf16(WeightType type, const void* w, std::size_t w_stride_bytes, std::int64_t rows,
                                   std::int64_t cols, std::uint16_t* dst, cudaStream_t stream);
// y[r, c] += bias[c].
cudaError_t launch_add_bias(float* y, std::int64_t y_stride, std::int64_t rows, std::int64_t cols, const float* bias,
                            cudaStream_t stream);

// ---- elementwise.cu: rowwise ops on f32 [rows, cols] views ----
enum class Unary : int { kSilu, kGelu, kQuickGelu };
enum class Binary : int { kAdd, kMul };

struct RowsLaunch {
  const float* x = nullptr;
  std::int64_t x_stride = 0;
  float* y = nullptr;
  std::int64_t y_stride = 0;
  std::int64_t rows = 0;
  std::int64_t cols = 0;
};
cudaError_t launch_rms_norm(const RowsLaunch& a, const float* weight, float eps, cudaStream_t stream);
// x (the residual stream) += delta, then y = rms_norm(x), in one pass per row; y may be x or delta.
struct ResidualRows {
  float* x = nullptr;
  std::int64_t x_stride = 0;
  const float* delta = nullptr;
  std::int64_t delta_stride = 0;
  float* y = nullptr;
  std::int64_t y_stride = 0;
  std::int64_t rows = 0;
  std::int64_t cols = 0;
};
cudaError_t launch_add_rms_norm(const ResidualRows& a, const float* weight, float eps, cudaStream_t stream);
// Greedy token choice per row of logits (tensor/greedy_choice.h): row r's ids
// ids[offsets[r] .. offsets[r + 1]) (each once) penalized in place, then out[r] = the argmax, lowest
// index among equals. One block per row.
cudaError_t launch_greedy_tokens(float* logits, std::int64_t stride, std::int64_t rows, std::int64_t vocab,
                                 const std::int64_t* offsets, const std::int32_t* ids, float penalty, std::int32_t* out,
                                 cudaStream_t stream);
cudaError_t launch_layer_norm(const RowsLaunch& a, const float* weight, const float* bias, float eps,
                              cudaStream_t stream);
cudaError_t launch_softmax(const RowsLaunch& a, cudaStream_t stream);
cudaError_t launch_unary(Unary op, const RowsLaunch& a, cudaStream_t stream);
// y = silu(x) * other; b_stride 0 broadcasts one row of `other` (binary only).
cudaError_t launch_swiglu(const RowsLaunch& a, const float* up, std::int64_t up_stride, cudaStream_t stream);
cudaError_t launch_binary(Binary op, const RowsLaunch& a, const float* b, std::int64_t b_stride, cudaStream_t stream);
// NeoX rotate_half on `heads` heads of head_dim values at the start of each row.
cudaError_t launch_rope(const RowsLaunch& a, const float* cos, std::int64_t cos_stride, const float* sin,
                        std::int64_t sin_stride, std::int64_t heads, std::int64_t head_dim, cudaStream_t stream);

// ---- attention.cu ----
inline constexpr std::int64_t kAttentionMaxHeadDim = 256;

struct AttentionLaunch {
  const float* q = nullptr;
  std::int64_t q_stride = 0;
  const float* k = nullptr;
  std::int64_t k_stride = 0;
  const float* v = nullptr;
  std::int64_t v_stride = 0;
  float* out = nullptr;
  std::int64_t out_stride = 0;
  std::int64_t q_rows = 0;
  std::int64_t k_rows = 0;
  int q_heads = 1;
  int kv_heads = 1;
  int head_dim = 0;  // 1..kAttentionMaxHeadDim
  float scale = 1.0f;
  bool causal = false;
  std::int64_t query_position = 0;
  const std::int64_t* segment_bounds = nullptr;  // device array of segment_count + 1 values, or null
  int segment_count = 0;
};
cudaError_t launch_attention(const AttentionLaunch& a, cudaStream_t stream);

// ---- decode_attention.cu: one query row per call, many calls per launch ----
inline constexpr int kDecodeAttentionMaxKeys = 16384;   // scores of one call live in shared memory
inline constexpr int kDecodeAttentionMaxHeadDim = 256;

// One sequence's decode step: q [q_heads * head_dim], keys/values [keys rows] of a KV cache with
// kv_heads * head_dim values per row (k_stride / v_stride floats apart), out [q_heads * head_dim].
// Every pointer and stride 16-byte aligned, head_dim a multiple of 4 (decode_attention_fits).
struct DecodeAttentionCall {
  const float* q = nullptr;
  const float* k = nullptr;
  const float* v = nullptr;
  float* out = nullptr;
  std::int64_t k_stride = 0;
  std::int64_t v_stride = 0;
  int keys = 0;  // the keys the query sees: rows [0, keys)
  int q_heads = 1;
  int kv_heads = 1;
  int head_dim = 0;
  float scale = 1.0f;
};
bool decode_attention_fits(const DecodeAttentionCall& call);
// `calls` is a device array of `count` calls; max_* bound the fields over all of them.
cudaError_t launch_decode_attention(const DecodeAttentionCall* calls, int count, int max_q_heads, int max_keys,
                                    int max_head_dim, cudaStream_t stream);

// ---- copy_rows.cu: many f32 row copies per launch ----
// rows x cols floats from src (src_stride floats between rows) to dst (dst_stride).
struct RowCopy {
  const float* src = nullptr;
  float* dst = nullptr;
  std::int64_t src_stride = 0;
  std::int64_t dst_stride = 0;
  int rows = 0;
  int cols = 0;
};
inline constexpr int kRowCopiesPerLaunch = 65535;  // the grid's y extent
// `copies` is a device array of `count` (<= kRowCopiesPerLaunch) copies; max_elements bounds
// rows * cols over them.
cudaError_t launch_row_copies(const RowCopy* copies, int count, std::int64_t max_elements, cudaStream_t stream);

}  // namespace vidscope::backend::cuda
