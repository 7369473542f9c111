#include "backend/cuda/cuda_context.h"

#include <cstdint>

#include "tensor/view_checks.h"

namespace vidscope::backend::cuda {

std::int64_t float_stride(std::string_view op, const tensor::TensorView& view) {
  if (view.row_stride % sizeof(float) != 0 || reinterpret_cast<std::uintptr_t>(view.data) % sizeof(float) != 0) {
    tensor::fail_view_check(op, "f32 view is not 4-byte aligned: " + view.describe());
  }
  return static_cast<std::int64_t>(view.row_stride / sizeof(float));
}

}  // namespace vidscope::backend::cuda
