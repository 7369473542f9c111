#include "tensor/tensor_buffer.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "base/error.h"
#include "base/units.h"

namespace vidscope::tensor {

namespace {
constexpr std::size_t kAlignment = 64;
}

void* allocate_aligned(std::size_t bytes) {
  const std::size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  void* p = std::aligned_alloc(kAlignment, rounded == 0 ? kAlignment : rounded);
  if (p == nullptr) throw_budget_error("cannot allocate " + format_bytes(bytes) + " for a tensor");
  std::memset(p, 0, rounded);
  return p;
}

void free_aligned(void* p) { std::free(p); }

void TensorBuffer::Free::operator()(void* p) const { free_aligned(p); }

TensorBuffer::TensorBuffer(DType dtype, std::initializer_list<std::int64_t> shape) {
  view_ = TensorView::dense(nullptr, dtype, shape);
  size_bytes_ = view_.row_stride * static_cast<std::size_t>(view_.rows());
  memory_.reset(allocate_aligned(size_bytes_));
  view_.data = memory_.get();
}

}  // namespace vidscope::tensor
