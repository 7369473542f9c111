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

}  // namespace vidscope::tensor
