#pragma once
// Shape and type checks shared by the kernel drivers. A failed check is a programming error in the
// model code: it throws Error(kInternal) naming the op and the offending view, never aborts.
#include <cstdint>
#include <string_view>

#include "tensor/tensor_view.h"

namespace vidscope::tensor {

// x is f32, has non-null data (unless empty), and its row stride holds a whole row of floats.
void require_f32_rows(std::string_view op, std::string_view name, const TensorView& x);
void require_same_shape(std::string_view op, const TensorView& a, const TensorView& b);
// Throws with "<op>: <message>" and the views described.
[[noreturn]] void fail_view_check(std::string_view op, std::string_view message);

// The shape contracts of the ops (tensor/ops.h, matmul.h, attention.h), checked the same way by every
// backend before it runs an op; a backend adds only the limits of its own kernels.
// x and y are f32 rows of one shape.
void check_unary_views(std::string_view op, const TensorView& x, const TensorView& y);
// v is f32 with exactly n elements.
void check_vector_view(std::string_view op, std::string_view name, const TensorView& v, std::int64_t n);
void check_matmul_views(const TensorView& x, const TensorView& w, const TensorView* bias, const TensorView& y);
struct AttentionParams;
void check_attention_views(const TensorView& q, const TensorView& k, const TensorView& v, const AttentionParams& p,
                           const TensorView& out);

}  // namespace vidscope::tensor
