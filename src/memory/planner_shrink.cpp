#include "memory/planner_shrink.h"

#include <algorithm>

#include <fmt/format.h>

#include "memory/planner_saturating.h"

namespace vidscope::memory {

namespace {

// Frames held by the pipeline scale with what the step consumes: segments x frames x pixels.
Bytes scale_frames(Bytes frame_bytes, const Workload& from, const Workload& to) {
  const std::uint64_t before = mul_saturating(from.batch_segments, from.patches_per_segment());
  const std::uint64_t after = mul_saturating(to.batch_segments, to.patches_per_segment());
  if (before == 0) return frame_bytes;
  const long double ratio = static_cast<long double>(after) / static_cast<long double>(before);
  return static_cast<Bytes>(static_cast<long double>(frame_bytes) * ratio);
}

ShrinkStep make_step(const Workload& current, Workload next, std::string description) {
  next.frame_buffer_bytes = scale_frames(current.frame_buffer_bytes, current, next);
  // An explicit context was sized for the old shape; the new shape needs fewer tokens, so let the
  // KV cache follow the need instead of keeping the old reservation.
  next.context_tokens = 0;
  return ShrinkStep{next, std::move(description)};
}

// Shrinks the merged-token grid (h/merge x w/merge) toward `target` tokens by taking one row or
// column off the longer side at a time, never going below `target`: the aspect ratio stays close.
std::pair<std::uint32_t, std::uint32_t> shrink_grid(std::uint32_t rows, std::uint32_t cols, std::uint64_t target) {
  while (true) {
    std::uint32_t r = rows;
    std::uint32_t c = cols;
    (r >= c ? r : c) -= 1;
    if (r == 0 || c == 0 || std::uint64_t{r} * c < target) return {rows, cols};
    rows = r;
    cols = c;
  }
}

}  // namespace

std::optional<ShrinkStep> shrink_workload(const Workload& current, const PlannerOptions& options,
                                          std::uint32_t merge_size) {
  if (current.batch_segments > 1) {
    Workload next = current;
    next.batch_segments = current.batch_segments / 2;
    return make_step(current, next,
                     fmt::format("batch {} -> {} segments", current.batch_segments, next.batch_segments));
  }
  const std::uint32_t min_t = std::max<std::uint32_t>(options.min_grid_t, 1);
  if (current.grid_t > min_t) {
    Workload next = current;
    next.grid_t = std::max(min_t, current.grid_t / 2);
    return make_step(current, next,
                     fmt::format("frames per segment {} -> {} ({} -> {} temporal patches)",
                                 std::uint64_t{current.grid_t} * 2, std::uint64_t{next.grid_t} * 2, current.grid_t,
                                 next.grid_t));
  }
  const std::uint32_t rows = current.grid_h / merge_size;
  const std::uint32_t cols = current.grid_w / merge_size;
  const std::uint64_t tokens = std::uint64_t{rows} * cols;
  const std::uint64_t target = std::max<std::uint64_t>(options.min_visual_tokens_per_temporal_patch, tokens / 2);
  if (tokens <= target) return std::nullopt;
  const auto [new_rows, new_cols] = shrink_grid(rows, cols, std::max<std::uint64_t>(target, 1));
  if (new_rows == rows && new_cols == cols) return std::nullopt;
  Workload next = current;
  next.grid_h = new_rows * merge_size;
  next.grid_w = new_cols * merge_size;
  return make_step(current, next,
                   fmt::format("visual tokens per frame pair {} -> {} (patch grid {}x{} -> {}x{})", tokens,
                               std::uint64_t{new_rows} * new_cols, current.grid_h, current.grid_w, next.grid_h,
                               next.grid_w));
}

}  // namespace vidscope::memory
