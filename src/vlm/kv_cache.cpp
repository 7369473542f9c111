#include "vlm/kv_cache.h"

#include <algorithm>
#include <string>

#include "base/error.h"

namespace vidscope::vlm {

namespace {

void check_sizes(std::int64_t layers, std::int64_t slots, std::int64_t capacity, std::int64_t kv_width) {
  if (layers <= 0 || slots <= 0 || capacity <= 0 || kv_width <= 0) {
    throw_internal_error("KvCache: sizes must be positive (layers " + std::to_string(layers) + ", slots " +
                         std::to_string(slots) + ", capacity " + std::to_string(capacity) + ")");
  }
}

}  // namespace

KvCache::KvCache(backend::Backend& backend, std::int64_t layers, std::int64_t slots, std::int64_t capacity,
                 std::int64_t kv_width)
    : KvCache(std::vector<backend::Backend*>(static_cast<std::size_t>(std::max<std::int64_t>(0, layers)), &backend),
              slots, capacity, kv_width) {}

KvCache::KvCache(std::span<backend::Backend* const> layer_backends, std::int64_t slots, std::int64_t capacity,
                 std::int64_t kv_width)
    : layers_(static_cast<std::int64_t>(layer_backends.size())), slots_(slots), capacity_(capacity), kv_width_(kv_width) {
  check_sizes(layers_, slots, capacity, kv_width);
  for (std::int64_t layer = 0; layer < layers_;) {
    backend::Backend* be = layer_backends[static_cast<std::size_t>(layer)];
    if (be == nullptr) throw_internal_error("KvCache: layer " + std::to_string(layer) + " has no backend");
    std::int64_t count = 1;
    while (layer + count < layers_ && layer_backends[static_cast<std::size_t>(layer + count)] == be) ++count;
    Run& run = runs_.emplace_back();
    run.backend = be;
    run.first_layer = layer;
    run.buffer = be->allocate(bytes_needed(count, slots, capacity, kv_width), "vlm kv cache", memory::Purpose::kKvCache);
    layer += count;
  }
  lengths_.assign(static_cast<std::size_t>(slots), 0);
}

std::uint64_t KvCache::bytes_needed(std::int64_t layers, std::int64_t slots, std::int64_t capacity,
                                    std::int64_t kv_width) {
  return 2ull * static_cast<std::uint64_t>(layers * slots * capacity * kv_width) * sizeof(float);
}

std::size_t KvCache::run_of(std::int64_t layer) const {
  std::size_t r = 0;
  while (r + 1 < runs_.size() && runs_[r + 1].first_layer <= layer) ++r;
  return r;
}

float* KvCache::base(int kind, std::int64_t layer, std::int64_t slot) const {
  const Run& run = runs_[run_of(layer)];
  const std::int64_t per_slot = capacity_ * kv_width_;
  const std::int64_t index = (((layer - run.first_layer) * 2 + kind) * slots_ + slot) * per_slot;
  return static_cast<float*>(run.buffer->data()) + index;
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
