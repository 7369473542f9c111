#include "backend/cuda/cuda_matmul.h"

#include <algorithm>
#include <string>

#include "backend/cuda/cuda_kernels.h"
#include "backend/cuda/cuda_status.h"
#include "base/error.h"
#include "tensor/view_checks.h"

namespace vidscope::backend::cuda {

namespace {

using tensor::DType;
using tensor::TensorView;

constexpr Bytes kLtWorkspaceBytes = 32ull << 20;  // what cuBLASLt's Hopper kernels ask for
constexpr Bytes kBf16StagingBytes = 64ull << 20;  // per staged operand (x rows, weight panel)
constexpr std::int64_t kStagingRowAlign = 16;

std::size_t address_alignment(const void* p) {
  const auto v = reinterpret_cast<std::uintptr_t>(p);
  return v == 0 ? 256 : std::min<std::size_t>(256, v & (~v + 1));
}

bool aligned(const void* p, std::size_t stride, std::size_t alignment) {
  return address_alignment(p) >= alignment && stride % alignment == 0;
}

// The op's contract (tensor/view_checks.h) plus the alignment the device reads need.
void check_matmul(const TensorView& x, const TensorView& w, const TensorView* bias, const TensorView& y) {
  constexpr std::string_view op = "matmul";
  tensor::check_matmul_views(x, w, bias, y);
  // f32/f16/bf16 elements are read in place: they must sit at their natural alignment.
  const std::size_t element = tensor::element_bytes(w.dtype);
  if (element != 0 && !aligned(w.data, w.rows() > 1 ? w.row_stride : element, element)) {
    tensor::fail_view_check(op, "W is not " + std::to_string(element) + "-byte aligned: " + w.describe());
  }
}

// Owners of the cuBLASLt descriptors of one call.
struct LtDescriptors {
  cublasLtMatmulDesc_t op = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
  cublasLtMatmulPreference_t preference = nullptr;
  LtDescriptors() = default;
  LtDescriptors(const LtDescriptors&) = delete;
  LtDescriptors& operator=(const LtDescriptors&) = delete;
  ~LtDescriptors() {
    if (preference != nullptr) cublasLtMatmulPreferenceDestroy(preference);
    if (c != nullptr) cublasLtMatrixLayoutDestroy(c);
    if (b != nullptr) cublasLtMatrixLayoutDestroy(b);
    if (a != nullptr) cublasLtMatrixLayoutDestroy(a);
    if (op != nullptr) cublasLtMatmulDescDestroy(op);
  }
};

// y[m, n] (column-major view: y^T, n x m, ld ldy) = W[n, k] x[m, k]^T: cuBLASLt's A is W stored as
// a column-major k x n matrix used transposed, B is x stored as a column-major k x m matrix.
struct LtGemm {
  cudaDataType_t type = CUDA_R_16BF;  // of W and x
  cublasComputeType_t compute = CUBLAS_COMPUTE_32F;
  const void* w = nullptr;
  std::int64_t ldw = 0;
  const void* x = nullptr;
  std::int64_t ldx = 0;
  float* y = nullptr;
  std::int64_t ldy = 0;
  std::int64_t m = 0, n = 0, k = 0;
};

void set_alignment(cublasLtMatmulPreference_t preference, cublasLtMatmulPreferenceAttributes_t attribute,
                   const void* p) {
  const auto value = static_cast<std::uint32_t>(address_alignment(p));
  check_cublas(cublasLtMatmulPreferenceSetAttribute(preference, attribute, &value, sizeof(value)), "preference");
}

// False when cuBLASLt offers no algorithm for these types, sizes and alignments.
bool run_lt_gemm(const CudaContext& ctx, const LtGemm& g, void* workspace) {
  LtDescriptors d;
  check_cublas(cublasLtMatmulDescCreate(&d.op, g.compute, CUDA_R_32F), "matmul descriptor");
  const cublasOperation_t transpose = CUBLAS_OP_T, keep = CUBLAS_OP_N;
  check_cublas(cublasLtMatmulDescSetAttribute(d.op, CUBLASLT_MATMUL_DESC_TRANSA, &transpose, sizeof(transpose)), "transa");
  check_cublas(cublasLtMatmulDescSetAttribute(d.op, CUBLASLT_MATMUL_DESC_TRANSB, &keep, sizeof(keep)), "transb");
  check_cublas(cublasLtMatrixLayoutCreate(&d.a, g.type, static_cast<std::uint64_t>(g.k), static_cast<std::uint64_t>(g.n), g.ldw),
               "layout of W");
  check_cublas(cublasLtMatrixLayoutCreate(&d.b, g.type, static_cast<std::uint64_t>(g.k), static_cast<std::uint64_t>(g.m), g.ldx),
               "layout of x");
  check_cublas(cublasLtMatrixLayoutCreate(&d.c, CUDA_R_32F, static_cast<std::uint64_t>(g.n), static_cast<std::uint64_t>(g.m), g.ldy),
               "layout of y");
  check_cublas(cublasLtMatmulPreferenceCreate(&d.preference), "preference");
  const std::uint64_t workspace_bytes = kLtWorkspaceBytes;
  check_cublas(cublasLtMatmulPreferenceSetAttribute(d.preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                                    &workspace_bytes, sizeof(workspace_bytes)),
               "workspace preference");
  // cuBLASLt assumes 256-byte aligned operands unless told otherwise; views may start anywhere.
  set_alignment(d.preference, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, g.w);
  set_alignment(d.preference, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, g.x);
  set_alignment(d.preference, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, g.y);
  set_alignment(d.preference, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, g.y);
  cublasLtMatmulHeuristicResult_t result{};
  int found = 0;
  check_cublas(cublasLtMatmulAlgoGetHeuristic(ctx.lt, d.op, d.a, d.b, d.c, d.c, d.preference, 1, &result, &found),
               "algorithm search");
  if (found == 0) return false;
  const float alpha = 1.0f, beta = 0.0f;
  check_cublas(cublasLtMatmul(ctx.lt, d.op, &alpha, g.w, d.a, g.x, d.b, &beta, g.y, d.c, g.y, d.c, &result.algo,
                              workspace, kLtWorkspaceBytes, ctx.stream),
               "matmul");
  return true;
}

void run_gemv(const CudaContext& ctx, const TensorView& x, const TensorView& w, const float* bias, const TensorView& y) {
  GemvLaunch a;
  a.type = static_cast<WeightType>(w.dtype);
  a.w = w.data;
  a.w_stride_bytes = w.row_stride;
  a.x = static_cast<const float*>(x.data);
  a.x_stride = float_stride("matmul", x);
  a.rows = static_cast<int>(x.rows());
  a.n = w.rows();
  a.k = x.cols();
  a.bias = bias;
  a.y = static_cast<float*>(y.data);
  a.y_stride = float_stride("matmul", y);
  a.vector_loads = aligned(w.data, w.rows() > 1 ? w.row_stride : 16, gemv_vector_alignment(a.type)) &&
                   aligned(x.data, x.rows() > 1 ? x.row_stride : 16, 16);
  if (a.type == WeightType::kQ8 || a.type == WeightType::kQ4) {
    // x rounded to int8 in the scratch area (codes, then scales, then sums), as the CPU does; the
    // kernel reads those, so only W's alignment decides the vector loads.
    a.vector_loads = aligned(w.data, w.rows() > 1 ? w.row_stride : 16, gemv_vector_alignment(a.type));
    Int8Rows q;
    q.blocks = (a.k + kInt8ActivationBlock - 1) / kInt8ActivationBlock;
    q.row_bytes = q.blocks * kInt8ActivationBlock;
    const Bytes codes = (static_cast<Bytes>(a.rows * q.row_bytes) + 255) / 256 * 256;
    const Bytes floats = (static_cast<Bytes>(a.rows * q.blocks) * 4 + 255) / 256 * 256;
    auto* base = static_cast<std::uint8_t*>(ctx.scratch(codes + 2 * floats));
    q.codes = reinterpret_cast<signed char*>(base);
    q.scales = reinterpret_cast<float*>(base + codes);
    q.sums = reinterpret_cast<int*>(base + codes + floats);
    check_cuda(launch_quantize_activations(a.x, a.x_stride, a.rows, a.k, q, ctx.stream), "int8 rounding of x");
    check_cuda(launch_gemv_int8(a, q, ctx.stream), "GEMV launch");
    return;
  }
  check_cuda(launch_gemv(a, ctx.stream), "GEMV launch");
}

// Returns false (with y partly written) when cuBLASLt has no algorithm for a piece.
bool run_gemm(const CudaContext& ctx, const TensorView& x, const TensorView& w, const float* bias, const TensorView& y) {
  const std::int64_t m = x.rows(), n = w.rows(), k = x.cols();
  const std::int64_t ldx = float_stride("matmul", x), ldy = float_stride("matmul", y);
  auto* out = static_cast<float*>(y.data);
  if (w.dtype == DType::kF32) {
    void* workspace = ctx.scratch(kLtWorkspaceBytes);
    if (!run_lt_gemm(ctx, {CUDA_R_32F, CUBLAS_COMPUTE_32F, w.data, static_cast<std::int64_t>(w.row_stride / 4), x.data, ldx, out,
                           ldy, m, n, k},
                     workspace)) {
      return false;
    }
  } else {
    // Rows of x and of W are staged as bf16 in bounded pieces, so any M and N run in fixed scratch.
    const std::int64_t staged_rows =
        std::max<std::int64_t>(kStagingRowAlign, static_cast<std::int64_t>(kBf16StagingBytes / (2 * k)) / kStagingRowAlign * kStagingRowAlign);
    const std::int64_t x_rows = std::min(m, staged_rows);
    const bool stage_w = w.dtype != DType::kBF16;
    const std::int64_t w_rows = stage_w ? std::min(n, staged_rows) : 0;
    const Bytes x_bytes = (static_cast<Bytes>(x_rows * k) * 2 + 255) / 256 * 256;
    auto* scratch = static_cast<std::uint8_t*>(ctx.scratch(kLtWorkspaceBytes + x_bytes + static_cast<Bytes>(w_rows * k) * 2));
    auto* x16 = reinterpret_cast<std::uint16_t*>(scratch + kLtWorkspaceBytes);
    auto* w16 = reinterpret_cast<std::uint16_t*>(scratch + kLtWorkspaceBytes + x_bytes);
    const auto* x_data = static_cast<const float*>(x.data);
    for (std::int64_t m0 = 0; m0 < m; m0 += x_rows) {
      const std::int64_t rows = std::min(x_rows, m - m0);
      check_cuda(launch_f32_to_bf16(x_data + m0 * ldx, ldx, rows, k, x16, ctx.stream), "bf16 conversion of x");
      if (!stage_w) {
        if (!run_lt_gemm(ctx, {CUDA_R_16BF, CUBLAS_COMPUTE_32F, w.data, static_cast<std::int64_t>(w.row_stride / 2), x16, k,
                               out + m0 * ldy, ldy, rows, n, k},
                         scratch)) {
          return false;
        }
        continue;
      }
      for (std::int64_t n0 = 0; n0 < n; n0 += w_rows) {
        const std::int64_t panel = std::min(w_rows, n - n0);
        check_cuda(launch_weights_to_bf16(static_cast<WeightType>(w.dtype), w.row(n0), w.row_stride, panel, k, w16, ctx.stream),
                   "bf16 conversion of W");
        if (!run_lt_gemm(ctx, {CUDA_R_16BF, CUBLAS_COMPUTE_32F, w16, k, x16, k, out + m0 * ldy + n0, ldy, rows, panel, k},
                         scratch)) {
          return false;
        }
      }
    }
  }
  if (bias != nullptr) check_cuda(launch_add_bias(out, ldy, m, n, bias, ctx.stream), "bias");
  return true;
}

// The GEMV over kGemvMaxRows rows of x at a time: slow for large M (W is read M/8 times) but
// exact, and it takes any alignment, so it stands in when cuBLASLt has no algorithm; for q8/q4
// weights and a few blocks of rows it is also the faster path (kGemvRowBlocksMaxRows).
void run_gemv_in_row_blocks(const CudaContext& ctx, const TensorView& x, const TensorView& w, const float* bias,
                            const TensorView& y) {
  for (std::int64_t m0 = 0; m0 < x.rows(); m0 += kGemvMaxRows) {
    const std::int64_t rows = std::min<std::int64_t>(kGemvMaxRows, x.rows() - m0);
    TensorView xs = x, ys = y;
    xs.data = x.row(m0);
    ys.data = y.row(m0);
    xs.rank = ys.rank = 2;
    xs.shape = {rows, x.cols(), 0, 0};
    ys.shape = {rows, y.cols(), 0, 0};
    run_gemv(ctx, xs, w, bias, ys);
  }
}

}  // namespace

void matmul(const CudaContext& ctx, const TensorView& x, const TensorView& w, const TensorView* bias, const TensorView& y) {
  check_matmul(x, w, bias, y);
  if (x.rows() == 0 || w.rows() == 0) return;
  const float* bias_data = bias != nullptr ? static_cast<const float*>(bias->data) : nullptr;
  if (x.cols() == 0) {  // an empty sum: y is the bias (or zero)
    check_cuda(cudaMemset2DAsync(y.data, y.row_stride, 0, static_cast<std::size_t>(w.rows()) * 4,
                                 static_cast<std::size_t>(x.rows()), ctx.stream),
               "clearing y");
    if (bias_data != nullptr) {
      check_cuda(launch_add_bias(static_cast<float*>(y.data), float_stride("matmul", y), x.rows(), w.rows(), bias_data, ctx.stream),
                 "bias");
    }
    return;
  }
  const auto type = static_cast<WeightType>(w.dtype);
  const bool automatic = ctx.gemv_max_rows < 0;
  const bool quantized = type == WeightType::kQ8 || type == WeightType::kQ4;
  if (x.rows() <= (automatic ? gemv_max_rows_for(type) : ctx.gemv_max_rows)) {
    run_gemv(ctx, x, w, bias_data, y);
  } else if (automatic && quantized && x.rows() <= kGemvRowBlocksMaxRows) {
    run_gemv_in_row_blocks(ctx, x, w, bias_data, y);  // cheaper than a bf16 copy of W
  } else if (!run_gemm(ctx, x, w, bias_data, y)) {
    run_gemv_in_row_blocks(ctx, x, w, bias_data, y);
  }
}

}  // namespace vidscope::backend::cuda
