#include "backend/backend.h"

#include "base/error.h"

namespace vidscope::backend {

TensorView Buffer::view(DType dtype, std::initializer_list<std::int64_t> shape, Bytes offset) const {
  TensorView v = TensorView::dense(nullptr, dtype, shape);
  const Bytes needed = static_cast<Bytes>(v.row_stride) * static_cast<Bytes>(v.rows());
  if (offset > size_ || needed > size_ - offset) {
    throw_internal_error("buffer of " + std::to_string(size_) + " bytes cannot hold " + v.describe() + " at offset " +
                         std::to_string(offset));
  }
  v.data = static_cast<std::uint8_t*>(data_) + offset;
  return v;
}

}  // namespace vidscope::backend
