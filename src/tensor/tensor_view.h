#pragma once
// A non-owning view of a tensor: pointer, element type, shape (up to 4 dims, outermost first) and
// the byte distance between rows. A "row" is the innermost dimension (shape[rank-1] elements, or
// one quantized row of that many elements); all outer dimensions are flattened into `rows()` rows
// spaced `row_stride` bytes apart. A row stride larger than the dense row size lets a view select
// columns of a wider tensor (e.g. the q part of a fused qkv projection) without copying.
//
// A view never owns or frees its memory; it is valid as long as the memory it points to. Views are
// plain values and are safe to copy across threads; writing through them is the caller's business.
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "tensor/dtype.h"

namespace vidscope::tensor {

inline constexpr int kMaxRank = 4;

struct TensorView {
  void* data = nullptr;
  DType dtype = DType::kF32;
  int rank = 0;
  std::array<std::int64_t, kMaxRank> shape{};
  std::size_t row_stride = 0;  // bytes from the start of one row to the start of the next

  // A densely packed view (row_stride = row_bytes(dtype, shape.back())).
  static TensorView dense(void* data, DType dtype, std::initializer_list<std::int64_t> shape);
  // The same memory with rows spaced `stride` bytes apart.
  TensorView with_row_stride(std::size_t stride) const;

  std::int64_t cols() const { return rank == 0 ? 1 : shape[rank - 1]; }
  std::int64_t rows() const;       // product of the outer dims (1 for rank <= 1)
  std::int64_t elements() const;   // rows() * cols()
  std::size_t dense_row_bytes() const { return row_bytes(dtype, cols()); }

  std::uint8_t* row(std::int64_t r) const {
    return static_cast<std::uint8_t*>(data) + static_cast<std::size_t>(r) * row_stride;
  }
  float* f32_row(std::int64_t r) const { return reinterpret_cast<float*>(row(r)); }

  std::string describe() const;  // "f32[3, 1536] stride 6144" for error messages
};

}  // namespace vidscope::tensor
