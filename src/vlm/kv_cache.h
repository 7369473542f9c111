#pragma once
// Keys and values of every decoder layer for a fixed number of sequences ("slots"), sized once.
//
// Layout per layer and slot: [capacity][kv_heads * head_dim] f32, keys after rotary embedding. Rows of
// one slot are contiguous with all heads side by side, which is exactly the [Tk, kv_heads * head_dim]
// view tensor::attention takes, so decode attends straight from the cache without a copy. Memory is
// 2 * layers * slots * capacity * kv_width * 4 bytes, allocated as "kv_cache" on the backend of each
// layer: with the decoder split between a GPU and the CPU, each layer's keys live where it runs (one
// buffer per run of layers on the same backend).
//
// Not thread-safe; one generator owns a cache. The backend must outlive it.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "backend/backend.h"

namespace vidscope::vlm {

class KvCache {
 public:
  // Throws vidscope::Error (budget) when the backend cannot hold it, (internal) on non-positive sizes.
  KvCache(backend::Backend& backend, std::int64_t layers, std::int64_t slots, std::int64_t capacity,
          std::int64_t kv_width);
  // One layer per entry of `layer_backends` (none null), each layer's rows on its backend.
  KvCache(std::span<backend::Backend* const> layer_backends, std::int64_t slots, std::int64_t capacity,
          std::int64_t kv_width);

  std::int64_t layers() const { return layers_; }
  std::int64_t slots() const { return slots_; }
  std::int64_t capacity() const { return capacity_; }
  std::int64_t kv_width() const { return kv_width_; }
  static std::uint64_t bytes_needed(std::int64_t layers, std::int64_t slots, std::int64_t capacity, std::int64_t kv_width);

  // Rows [0, rows) of the keys / values of (layer, slot).
  backend::TensorView keys(std::int64_t layer, std::int64_t slot, std::int64_t rows) const;
  backend::TensorView values(std::int64_t layer, std::int64_t slot, std::int64_t rows) const;
  // Where the rows of `layer` live.
  backend::Backend& backend_of(std::int64_t layer) const { return *runs_[run_of(layer)].backend; }

  // Tokens stored for a slot (the next write position).
  std::int64_t length(std::int64_t slot) const { return lengths_.at(static_cast<std::size_t>(slot)); }
  void set_length(std::int64_t slot, std::int64_t length);

 private:
  // Consecutive layers on one backend, in one buffer.
  struct Run {
    backend::Backend* backend = nullptr;
    std::int64_t first_layer = 0;
    std::unique_ptr<backend::Buffer> buffer;
  };
  std::size_t run_of(std::int64_t layer) const;
  float* base(int kind, std::int64_t layer, std::int64_t slot) const;

  std::int64_t layers_, slots_, capacity_, kv_width_;
  std::vector<Run> runs_;
  std::vector<std::int64_t> lengths_;
};

}  // namespace vidscope::vlm
