#pragma once
// Host memory that owns one tensor, 64-byte aligned (a cache line and an AVX-512 register), for
// tests, benchmarks and small host-side tensors. Device and ledger-accounted memory is allocated
// through backend::Backend instead. Move-only; freed on destruction.
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>

#include "tensor/tensor_view.h"

namespace vidscope::tensor {

class TensorBuffer {
 public:
  TensorBuffer() = default;
  // Zero-filled, densely packed. Throws Error(kBudget) when the memory cannot be allocated.
  TensorBuffer(DType dtype, std::initializer_list<std::int64_t> shape);

  const TensorView& view() const { return view_; }
  void* data() const { return view_.data; }
  std::size_t size_bytes() const { return size_bytes_; }
  float* f32() const { return static_cast<float*>(view_.data); }

 private:
  struct Free {
    void operator()(void* p) const;
  };
  std::unique_ptr<void, Free> memory_;
  std::size_t size_bytes_ = 0;
  TensorView view_;
};

// 64-byte aligned zeroed allocation; throws Error(kBudget) naming `bytes` on failure.
void* allocate_aligned(std::size_t bytes);
void free_aligned(void* p);

}  // namespace vidscope::tensor
