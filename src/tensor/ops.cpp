#include "tensor/ops.h"

#include <algorithm>
#include <string>

#include "tensor/view_checks.h"

namespace vidscope::tensor {

namespace {

// Rows per task: enough work per task (~16K values) that launching it is noise.
constexpr std::int64_t kValuesPerTask = 16 * 1024;

template <typename RowFn>
void for_each_row(const KernelContext& ctx, std::int64_t rows, std::int64_t cols, RowFn&& fn) {
  const std::int64_t rows_per_task = std::max<std::int64_t>(1, kValuesPerTask / std::max<std::int64_t>(1, cols));
  const std::int64_t tasks = (rows + rows_per_task - 1) / rows_per_task;
  ctx.parallel_for(static_cast<std::size_t>(tasks), [&](std::size_t task) {
    const std::int64_t begin = static_cast<std::int64_t>(task) * rows_per_task;
    const std::int64_t end = std::min(rows, begin + rows_per_task);
    for (std::int64_t r = begin; r < end; ++r) fn(r);
  });
}

}  // namespace

const char* unary_op_name(UnaryOp op) {
  switch (op) {
    case UnaryOp::kSilu: return "silu";
    case UnaryOp::kGelu: return "gelu";
    case UnaryOp::kQuickGelu: return "quick_gelu";
  }
  return "unknown";
}

const char* binary_op_name(BinaryOp op) { return op == BinaryOp::kAdd ? "add" : "mul"; }

void rms_norm(const KernelContext& ctx, const TensorView& x, const TensorView& weight, float eps, const TensorView& y) {
  check_unary_views("rms_norm", x, y);
  check_vector_view("rms_norm", "weight", weight, x.cols());
  const auto* w = static_cast<const float*>(weight.data);
  const auto kernel = ctx.kernels->rms_norm;
  if (x.cols() == 0) return;
  for_each_row(ctx, x.rows(), x.cols(), [&](std::int64_t r) { kernel(x.f32_row(r), w, eps, y.f32_row(r), x.cols()); });
}

void add_rms_norm(const KernelContext& ctx, const TensorView& x, const TensorView& delta, const TensorView& weight,
                  float eps, const TensorView& y) {
  check_unary_views("add_rms_norm", x, y);
  check_unary_views("add_rms_norm", x, delta);
  check_vector_view("add_rms_norm", "weight", weight, x.cols());
  const auto* w = static_cast<const float*>(weight.data);
  const auto add = ctx.kernels->add;
  const auto norm = ctx.kernels->rms_norm;
  if (x.cols() == 0) return;
  for_each_row(ctx, x.rows(), x.cols(), [&](std::int64_t r) {
    add(x.f32_row(r), delta.f32_row(r), x.f32_row(r), x.cols());
    norm(x.f32_row(r), w, eps, y.f32_row(r), x.cols());
  });
}

void layer_norm(const KernelContext& ctx, const TensorView& x, const TensorView& weight, const TensorView& bias,
                float eps, const TensorView& y) {
  check_unary_views("layer_norm", x, y);
  check_vector_view("layer_norm", "weight", weight, x.cols());
  check_vector_view("layer_norm", "bias", bias, x.cols());
  const auto* w = static_cast<const float*>(weight.data);
  const auto* b = static_cast<const float*>(bias.data);
  const auto kernel = ctx.kernels->layer_norm;
  if (x.cols() == 0) return;
  for_each_row(ctx, x.rows(), x.cols(), [&](std::int64_t r) { kernel(x.f32_row(r), w, b, eps, y.f32_row(r), x.cols()); });
}

void softmax(const KernelContext& ctx, const TensorView& x, const TensorView& y) {
  check_unary_views("softmax", x, y);
  const auto kernel = ctx.kernels->softmax;
  if (x.cols() == 0) return;
  for_each_row(ctx, x.rows(), x.cols(), [&](std::int64_t r) { kernel(x.f32_row(r), y.f32_row(r), x.cols()); });
}

void unary(const KernelContext& ctx, UnaryOp op, const TensorView& x, const TensorView& y) {
  check_unary_views(unary_op_name(op), x, y);
  const KernelTable& t = *ctx.kernels;
  const auto kernel = op == UnaryOp::kSilu ? t.silu : (op == UnaryOp::kGelu ? t.gelu : t.quick_gelu);
  for_each_row(ctx, x.rows(), x.cols(), [&](std::int64_t r) { kernel(x.f32_row(r), y.f32_row(r), x.cols()); });
}

void swiglu(const KernelContext& ctx, const TensorView& gate, const TensorView& up, const TensorView& y) {
  check_unary_views("swiglu", gate, y);
  check_unary_views("swiglu", up, y);
  const auto kernel = ctx.kernels->swiglu;
  for_each_row(ctx, y.rows(), y.cols(),
               [&](std::int64_t r) { kernel(gate.f32_row(r), up.f32_row(r), y.f32_row(r), y.cols()); });
}

void binary(const KernelContext& ctx, BinaryOp op, const TensorView& a, const TensorView& b, const TensorView& y) {
  const char* name = binary_op_name(op);
  check_unary_views(name, a, y);
  require_f32_rows(name, "b", b);
  const bool broadcast = b.rows() == 1 && a.rows() != 1;
  if (b.cols() != a.cols() || (!broadcast && b.rows() != a.rows())) {
    fail_view_check(name, "b " + b.describe() + " is neither a's shape nor one row of it: " + a.describe());
  }
  const auto kernel = op == BinaryOp::kAdd ? ctx.kernels->add : ctx.kernels->mul;
  for_each_row(ctx, a.rows(), a.cols(), [&](std::int64_t r) {
    kernel(a.f32_row(r), b.f32_row(broadcast ? 0 : r), y.f32_row(r), a.cols());
  });
}

void rope(const KernelContext& ctx, const TensorView& x, const TensorView& cos, const TensorView& sin,
          std::int64_t heads, std::int64_t head_dim, const TensorView& y) {
  constexpr std::string_view op = "rope";
  check_unary_views(op, x, y);
  require_f32_rows(op, "cos", cos);
  require_f32_rows(op, "sin", sin);
  if (head_dim <= 0 || head_dim % 2 != 0 || heads <= 0 || heads * head_dim > x.cols()) {
    fail_view_check(op, std::to_string(heads) + " heads of " + std::to_string(head_dim) + " do not fit " + x.describe());
  }
  if (cos.rows() != x.rows() || cos.cols() != head_dim || sin.rows() != x.rows() || sin.cols() != head_dim) {
    fail_view_check(op, "cos/sin must be [" + std::to_string(x.rows()) + ", " + std::to_string(head_dim) + "], got " +
                            cos.describe() + " and " + sin.describe());
  }
  const auto kernel = ctx.kernels->rope;
  for_each_row(ctx, x.rows(), heads * head_dim, [&](std::int64_t r) {
    for (std::int64_t h = 0; h < heads; ++h) {
      kernel(x.f32_row(r) + h * head_dim, cos.f32_row(r), sin.f32_row(r), y.f32_row(r) + h * head_dim, head_dim);
    }
  });
}

}  // namespace vidscope::tensor
