#include "tensor/matmul.h"

#include <algorithm>
#include <string>
#include <vector>

#include "base/error.h"
#include "tensor/activation_int8.h"
#include "tensor/tensor_buffer.h"
#include "tensor/view_checks.h"
#include "tensor/weight_tiles.h"

namespace vidscope::tensor {

namespace {

constexpr std::int64_t kPanelK = 256;      // inputs per packed panel: 32 x 256 f32 = 32 KiB (L1-L2)
constexpr std::int64_t kPanelsPerGroup = 4;  // panels sharing one pass over x (x reuse from L1)
constexpr std::int64_t kGemvColumnAlign = 16;
static_assert(kGemvColumnAlign % kTileRows == 0, "tiled GEMV kernels take whole tiles");
constexpr std::int64_t kTasksPerThread = 4;  // spare tasks absorb a core that is busy elsewhere

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }


// Scratch for the rounded activations of one call, on the calling thread; grows to the largest call
// and is reused, so decode allocates nothing per step.
struct ActivationScratch {
  std::uint8_t* data = nullptr;
  std::size_t size = 0;
  ~ActivationScratch() { free_aligned(data); }
  std::uint8_t* reserve(std::size_t bytes) {
    if (bytes > size) {
      free_aligned(data);
      data = nullptr;  // consistent if the allocation below throws
      size = 0;
      data = static_cast<std::uint8_t*>(allocate_aligned(bytes));
      size = bytes;
    }
    return data;
  }
};

void run_gemv(const KernelContext& ctx, const TensorView& x, const TensorView& w, const float* bias, const TensorView& y) {
  const std::int64_t n_total = w.rows();
  const std::int64_t target_tasks = static_cast<std::int64_t>(ctx.threads()) * kTasksPerThread;
  const std::int64_t chunk = std::max(kGemvColumnAlign, ceil_div(ceil_div(n_total, target_tasks), kGemvColumnAlign) * kGemvColumnAlign);
  auto gemv = ctx.kernels->gemv[static_cast<int>(w.dtype)];
  GemvArgs base;
  base.x = x.f32_row(0);
  base.x_stride = static_cast<std::int64_t>(x.row_stride / sizeof(float));
  base.rows = static_cast<int>(x.rows());
  base.w = static_cast<const std::uint8_t*>(w.data);
  base.w_stride = w.row_stride;
  base.k = x.cols();
  base.bias = bias;
  base.y = y.f32_row(0);
  base.y_stride = static_cast<std::int64_t>(y.row_stride / sizeof(float));
  if (!is_plain(w.dtype)) {
    // Quantized weights: round x to int8 once (see matmul.h), then either multiply the codes in
    // integers, or hand the values they stand for to the f32 kernel.
    thread_local ActivationScratch codes, values;
    const std::size_t row_bytes = activation_row_bytes(base.k);
    std::uint8_t* xq = codes.reserve(row_bytes * static_cast<std::size_t>(base.rows));
    quantize_activation_rows(base.x, base.x_stride, base.rows, base.k, w.dtype, xq);
    if (const auto int8 = ctx.kernels->gemv_int8[static_cast<int>(w.dtype)]; int8 != nullptr) {
      gemv = int8;
      base.xq = xq;
    } else {
      auto* rounded = reinterpret_cast<float*>(values.reserve(static_cast<std::size_t>(base.rows * base.k) * sizeof(float)));
      for (int m = 0; m < base.rows; ++m) dequantize_activation_row(xq + m * row_bytes, base.k, rounded + m * base.k);
      base.x = rounded;
      base.x_stride = base.k;
    }
  }
  ctx.parallel_for(static_cast<std::size_t>(ceil_div(n_total, chunk)), [&](std::size_t task) {
    GemvArgs args = base;
    args.n_begin = static_cast<std::int64_t>(task) * chunk;
    args.n_end = std::min(n_total, args.n_begin + chunk);
    gemv(args);
  });
}

void run_gemm(const KernelContext& ctx, const TensorView& x, const TensorView& w, const float* bias, const TensorView& y) {
  const KernelTable& t = *ctx.kernels;
  const std::int64_t m_total = x.rows(), n_total = w.rows(), k_total = x.cols();
  const std::int64_t nr = t.gemm_nr, mr = t.gemm_mr;
  const std::int64_t group_cols = nr * kPanelsPerGroup;
  const std::int64_t groups = ceil_div(n_total, group_cols);
  // Few column groups (narrow W): also split rows of x, at the price of packing a panel per split.
  const std::int64_t wanted = static_cast<std::int64_t>(ctx.threads()) * kTasksPerThread;
  const std::int64_t row_splits = std::clamp(ceil_div(wanted, groups), std::int64_t{1}, std::max<std::int64_t>(1, m_total / (8 * mr)));
  const std::int64_t rows_per_split = ceil_div(ceil_div(m_total, row_splits), mr) * mr;
  const auto pack = t.pack_panel[static_cast<int>(w.dtype)];
  const std::int64_t x_stride = static_cast<std::int64_t>(x.row_stride / sizeof(float));
  const std::int64_t y_stride = static_cast<std::int64_t>(y.row_stride / sizeof(float));

  ctx.parallel_for(static_cast<std::size_t>(groups * row_splits), [&](std::size_t task) {
    thread_local std::vector<float> packed;
    packed.resize(static_cast<std::size_t>(group_cols * kPanelK));
    const std::int64_t group = static_cast<std::int64_t>(task) % groups;
    const std::int64_t split = static_cast<std::int64_t>(task) / groups;
    const std::int64_t n0 = group * group_cols;
    const std::int64_t n_cols = std::min(group_cols, n_total - n0);
    const std::int64_t panels = ceil_div(n_cols, nr);
    const std::int64_t m_begin = split * rows_per_split;
    const std::int64_t m_end = std::min(m_total, m_begin + rows_per_split);
    if (m_begin >= m_end) return;
    for (std::int64_t k0 = 0; k0 < k_total; k0 += kPanelK) {
      const std::int64_t kc = std::min(kPanelK, k_total - k0);
      for (std::int64_t p = 0; p < panels; ++p) {
        const int n_valid = static_cast<int>(std::min(nr, n_cols - p * nr));
        pack(w.row(n0 + p * nr), w.row_stride, n_valid, k0, kc, packed.data() + p * kc * nr);
      }
      for (std::int64_t m0 = m_begin; m0 < m_end; m0 += mr) {
        const int rows = static_cast<int>(std::min(mr, m_end - m0));
        for (std::int64_t p = 0; p < panels; ++p) {
          const int n_valid = static_cast<int>(std::min(nr, n_cols - p * nr));
          t.gemm_tile(x.f32_row(m0) + k0, x_stride, rows, packed.data() + p * kc * nr, kc,
                      y.f32_row(m0) + n0 + p * nr, y_stride, n_valid, k0 > 0);
        }
      }
    }
    if (bias != nullptr) {
      for (std::int64_t m = m_begin; m < m_end; ++m) t.add(y.f32_row(m) + n0, bias + n0, y.f32_row(m) + n0, n_cols);
    }
  });
}

}  // namespace

void matmul(const KernelContext& ctx, const TensorView& x, const TensorView& w, const TensorView* bias,
            const TensorView& y) {
  check_matmul_views(x, w, bias, y);
  if (!supports_weights(*ctx.kernels, w.dtype)) {
    throw_internal_error("matmul: the " + std::string(simd_level_name(ctx.kernels->level)) + " kernels have no " +
                         std::string(dtype_name(w.dtype)) + " weights");
  }
  if (x.rows() == 0 || w.rows() == 0) return;
  const float* bias_data = bias != nullptr ? static_cast<const float*>(bias->data) : nullptr;
  if (x.cols() == 0) {  // empty sum: y = bias (or 0)
    for (std::int64_t m = 0; m < y.rows(); ++m)
      for (std::int64_t n = 0; n < y.cols(); ++n) y.f32_row(m)[n] = bias_data != nullptr ? bias_data[n] : 0.0f;
    return;
  }
  if (x.rows() <= kGemvMaxRows) {
    run_gemv(ctx, x, w, bias_data, y);
  } else {
    run_gemm(ctx, x, w, bias_data, y);
  }
}

}  // namespace vidscope::tensor
