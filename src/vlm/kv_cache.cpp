#include "vlm/kv_cache.h"

#include <string>

#include "base/error.h"

namespace vidscope::vlm {

KvCache::KvCache(backend::Backend& backend, std::int64_t layers, std::int64_t slots, std::int64_t capacity,
                 std::int64_t kv_width)
    : layers_(layers), slots_(slots), capacity_(capacity), kv_width_(kv_width) {
  if (layers <= 0 || slots <= 0 || capacity <= 0 || kv_width <= 0) {
    throw_internal_error("KvCache: sizes must be positive (layers " + std::to_string(layers) + ", slots " +
                         std::to_string(slots) + ", capacity " + std::to_string(capacity) + ")");
  }
  buffer_ = backend.allocate(bytes_needed(layers, slots, capacity, kv_width), "vlm kv cache", memory::Purpose::kKvCache);
  lengths_.assign(static_cast<std::size_t>(slots), 0);
}

std::uint64_t KvCache::bytes_needed(std::int64_t layers, std::int64_t slots, std::int64_t capacity,
                                    std::int64_t kv_width) {
  return 2ull * static_cast<std::uint64_t>(layers * slots * capacity * kv_width) * sizeof(float);
}

float* KvCache::base(int kind, std::int64_t layer, std::int64_t slot) const {
  const std::int64_t per_slot = capacity_ * kv_width_;
  const std::int64_t index = ((layer * 2 + kind) * slots_ + slot) * per_slot;
  return static_cast<float*>(buffer_->data()) + index;
}

backend::TensorView KvCache::keys(std::int64_t layer, std::int64_t slot, std::int64_t rows) const {
  return backend::TensorView::dense(base(0, layer, slot), backend::DType::kF32, {rows, kv_width_});
}

backend::TensorView KvCache::values(std::int64_t layer, std::int64_t slot, std::int64_t rows) const {
  return backend::TensorView::dense(base(1, layer, slot), backend::DType::kF32, {rows, kv_width_});
}

void KvCache::set_length(std::int64_t slot, std::int64_t length) {
  if (length < 0 || length > capacity_) {
    throw_internal_error("KvCache: length " + std::to_string(length) + " outside capacity " + std::to_string(capacity_));
  }
  lengths_.at(static_cast<std::size_t>(slot)) = length;
}

}  // namespace vidscope::vlm
