#pragma once
// Qwen2.5-VL vision-tower window attention layout (transformers get_window_index, v4.49-4.51).
// Per temporal patch the merged grid (H/merge x W/merge) is cut into square windows of
// window_size / merge / patch merged units (112 / 2 / 14 = 4, i.e. 8x8 patches), enumerated row-major;
// windows at the right/bottom edge are partial. Tokens are permuted at merge-unit granularity (groups of
// merge^2 consecutive patch rows) into window order before block 0 and restored after the merger.
// Also the per-temporal-patch segments the full-attention blocks (and every Qwen2-VL block) use.
#include <cstdint>
#include <span>
#include <vector>

#include "vlm/processor_config.h"

namespace vidscope::vlm {

struct VisionWindowSettings {
  int window_size = 112;  // pixels (vision_config.window_size)
  int patch_size = 14;
  int merge_size = 2;
};

struct VisionWindows {
  // window_index[i] = raster index (over all grids, in merge units) of the unit placed at position i.
  std::vector<std::int32_t> window_index;
  // reverse_index = argsort(window_index): unit j of the raster order sits at reverse_index[j].
  std::vector<std::int32_t> reverse_index;
  // Window boundaries in patch rows, starting with 0, strictly increasing (transformers'
  // unique_consecutive applied: empty windows leave no entry).
  std::vector<std::int32_t> cu_window_seqlens;
};

// Pure function of the grids. Throws vidscope::Error (input) on an empty grid, h or w not a multiple of
// merge_size, or a window smaller than one merge unit.
VisionWindows compute_vision_windows(std::span<const GridThw> grids, const VisionWindowSettings& settings);

// The window permutation at patch-row level: row r of the permuted sequence is patch row
// result[r] of the raster (processor) order. merge^2 consecutive rows move together.
std::vector<std::int32_t> expand_to_patch_rows(std::span<const std::int32_t> unit_index, int merge_size);

// Segment boundaries (in patch rows) of full attention: one segment of h*w rows per temporal patch of
// every grid, starting with 0 (transformers: cumsum(repeat_interleave(h*w, t))).
std::vector<std::int32_t> temporal_patch_cu_seqlens(std::span<const GridThw> grids);

}  // namespace vidscope::vlm
