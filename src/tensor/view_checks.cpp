#include "tensor/view_checks.h"

#include <string>

#include "base/error.h"

namespace vidscope::tensor {

void fail_view_check(std::string_view op, std::string_view message) {
  throw_internal_error(std::string(op) + ": " + std::string(message));
}

void require_f32_rows(std::string_view op, std::string_view name, const TensorView& x) {
  if (x.dtype != DType::kF32) {
    fail_view_check(op, std::string(name) + " must be f32, got " + x.describe());
  }
  if (x.rank < 1) fail_view_check(op, std::string(name) + " has rank 0");
  if (x.elements() > 0 && x.data == nullptr) fail_view_check(op, std::string(name) + " has no data");
  if (x.rows() > 1 && (x.row_stride < x.dense_row_bytes() || x.row_stride % sizeof(float) != 0)) {
    fail_view_check(op, std::string(name) + " has a row stride that does not fit its rows: " + x.describe());
  }
}

void require_same_shape(std::string_view op, const TensorView& a, const TensorView& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) {
    fail_view_check(op, "shapes differ: " + a.describe() + " vs " + b.describe());
  }
}

}  // namespace vidscope::tensor
