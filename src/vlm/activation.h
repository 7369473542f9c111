#pragma once
// An f32 [rows, cols] activation held in a backend buffer, so the ledger sees every large temporary of
// the forward passes under (owner, "activations"). Host backends only: data() is dereferenceable.
#include <cstdint>
#include <memory>
#include <string_view>

#include "backend/backend.h"

namespace vidscope::vlm {

class Activation {
 public:
  Activation() = default;
  // Zero-filled. Throws vidscope::Error (budget) when the backend cannot allocate it.
  Activation(backend::Backend& backend, std::int64_t rows, std::int64_t cols, std::string_view owner)
      : buffer_(backend.allocate(static_cast<Bytes>(std::max<std::int64_t>(1, rows * cols)) * sizeof(float), owner,
                                 memory::Purpose::kActivations)),
        view_(backend::TensorView::dense(buffer_->data(), backend::DType::kF32, {rows, cols})) {}

  const backend::TensorView& view() const { return view_; }
  float* data() const { return static_cast<float*>(view_.data); }
  float* row(std::int64_t r) const { return view_.f32_row(r); }
  std::int64_t rows() const { return view_.shape[0]; }
  std::int64_t cols() const { return view_.shape[1]; }

  // Rows [begin, begin + count) as a view.
  backend::TensorView rows_view(std::int64_t begin, std::int64_t count) const {
    backend::TensorView v = view_;
    v.data = view_.row(begin);
    v.shape[0] = count;
    return v;
  }
  // Columns [begin, begin + count) of every row (row stride kept).
  backend::TensorView cols_view(std::int64_t begin, std::int64_t count) const {
    backend::TensorView v = view_;
    v.data = data() + begin;
    v.shape[1] = count;
    return v;
  }

 private:
  std::unique_ptr<backend::Buffer> buffer_;
  backend::TensorView view_;
};

}  // namespace vidscope::vlm
