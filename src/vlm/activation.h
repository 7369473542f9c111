#pragma once
// An f32 [rows, cols] activation held in a backend buffer, so the ledger sees every large temporary of
// the forward passes under (owner, "activations"). On a host backend data() and row() are plain
// pointers; on a device backend they are device addresses, and host code goes through write_rows(),
// read_rows() and host_rows(), which work on either.
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "backend/backend.h"

namespace vidscope::vlm {

class Activation {
 public:
  Activation() = default;
  // Zero-filled on host backends (device backends leave activations to the op that writes them,
  // backend.h). Throws vidscope::Error (budget) when the backend cannot allocate it.
  Activation(backend::Backend& backend, std::int64_t rows, std::int64_t cols, std::string_view owner)
      : backend_(&backend),
        buffer_(backend.allocate(static_cast<Bytes>(std::max<std::int64_t>(1, rows * cols)) * sizeof(float), owner,
                                 memory::Purpose::kActivations)),
        view_(backend::TensorView::dense(buffer_->data(), backend::DType::kF32, {rows, cols})) {}

  const backend::TensorView& view() const { return view_; }
  bool empty() const { return buffer_ == nullptr; }
  bool on_host() const { return backend_ != nullptr && backend_->is_host(); }
  backend::Backend* owner_backend() const { return backend_; }
  float* data() const { return static_cast<float*>(view_.data); }
  float* row(std::int64_t r) const { return view_.f32_row(r); }
  std::int64_t rows() const { return view_.shape[0]; }
  std::int64_t cols() const { return view_.shape[1]; }

  // Host rows in and out: `count` rows at row `first`, row after row (cols floats each).
  void write_rows(std::int64_t first, std::int64_t count, const float* host) const {
    if (count > 0) backend_->upload(host, row_bytes() * static_cast<Bytes>(count), *buffer_, row_bytes() * static_cast<Bytes>(first));
  }
  void read_rows(std::int64_t first, std::int64_t count, float* host) const {
    if (count > 0) backend_->download(*buffer_, row_bytes() * static_cast<Bytes>(first), row_bytes() * static_cast<Bytes>(count), host);
  }
  // Every row readable on the host: the activation itself on a host backend (no copy), else a copy
  // downloaded into `storage`.
  float* host_rows(std::vector<float>& storage) const {
    if (on_host()) return data();
    storage.resize(static_cast<std::size_t>(rows() * cols()));
    read_rows(0, rows(), storage.data());
    return storage.data();
  }

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
  Bytes row_bytes() const { return static_cast<Bytes>(cols()) * sizeof(float); }

  backend::Backend* backend_ = nullptr;
  std::unique_ptr<backend::Buffer> buffer_;
  backend::TensorView view_;
};

// Rows [first, first + count) of `source` into rows [at, at + count) of `target`, wherever each lives:
// a device copy when both share a backend, one transfer when either is host memory, staged through the
// host between two devices.
inline void copy_rows(const Activation& source, std::int64_t first, const Activation& target, std::int64_t at,
                      std::int64_t count) {
  if (count <= 0) return;
  if (source.owner_backend() == target.owner_backend()) {
    target.owner_backend()->copy(source.rows_view(first, count), target.rows_view(at, count));
  } else if (source.on_host()) {
    target.write_rows(at, count, source.row(first));
  } else if (target.on_host()) {
    source.read_rows(first, count, target.row(at));
  } else {
    std::vector<float> staged(static_cast<std::size_t>(count * source.cols()));
    source.read_rows(first, count, staged.data());
    target.write_rows(at, count, staged.data());
  }
}

// The whole of `source` on `backend`: itself when it already lives there, else a copy.
inline Activation moved_to(Activation source, backend::Backend& backend, std::string_view owner) {
  if (source.owner_backend() == &backend) return source;
  Activation out(backend, source.rows(), source.cols(), owner);
  copy_rows(source, 0, out, 0, source.rows());
  return out;
}

}  // namespace vidscope::vlm
