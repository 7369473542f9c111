#include "tensor/tensor_view.h"

#include "base/error.h"

namespace vidscope::tensor {

TensorView TensorView::dense(void* data, DType dtype, std::initializer_list<std::int64_t> shape) {
  if (shape.size() > static_cast<std::size_t>(kMaxRank)) {
    throw_internal_error("TensorView::dense: rank " + std::to_string(shape.size()) + " exceeds 4");
  }
  TensorView view;
  view.data = data;
  view.dtype = dtype;
  view.rank = static_cast<int>(shape.size());
  int i = 0;
  for (std::int64_t extent : shape) {
    if (extent < 0) throw_internal_error("TensorView::dense: negative extent");
    view.shape[i++] = extent;
  }
  view.row_stride = row_bytes(dtype, view.cols());
  return view;
}

TensorView TensorView::with_row_stride(std::size_t stride) const {
  TensorView view = *this;
  view.row_stride = stride;
  return view;
}

std::int64_t TensorView::rows() const {
  std::int64_t n = 1;
  for (int i = 0; i + 1 < rank; ++i) n *= shape[i];
  return n;
}

std::int64_t TensorView::elements() const { return rows() * cols(); }

std::string TensorView::describe() const {
  std::string text(dtype_name(dtype));
  text += "[";
  for (int i = 0; i < rank; ++i) {
    if (i) text += ", ";
    text += std::to_string(shape[i]);
  }
  text += "] stride " + std::to_string(row_stride);
  return text;
}

}  // namespace vidscope::tensor
