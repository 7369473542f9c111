#include "vlm/vision_windows.h"

#include <string>

#include "base/error.h"

namespace vidscope::vlm {
namespace {

void check_grid(const GridThw& g, int merge_size) {
  if (g.t <= 0 || g.h <= 0 || g.w <= 0 || g.h % merge_size != 0 || g.w % merge_size != 0) {
    throw_input_error("vision grid " + std::to_string(g.t) + "x" + std::to_string(g.h) + "x" + std::to_string(g.w) +
                      " is empty or not a multiple of the merge size " + std::to_string(merge_size));
  }
}

}  // namespace

VisionWindows compute_vision_windows(std::span<const GridThw> grids, const VisionWindowSettings& settings) {
  const int ms = settings.merge_size;
  if (ms <= 0 || settings.patch_size <= 0) throw_input_error("vision windows: patch and merge size must be positive");
  const int ws = settings.window_size / ms / settings.patch_size;  // in merge units
  if (ws <= 0) {
    throw_input_error("vision windows: window_size " + std::to_string(settings.window_size) +
                      " is smaller than one merge unit");
  }
  const std::int32_t unit = ms * ms;
  VisionWindows out;
  out.cu_window_seqlens.push_back(0);
  std::int32_t offset = 0;  // merge units of the earlier grids
  for (const GridThw& g : grids) {
    check_grid(g, ms);
    const int llm_h = g.h / ms;
    const int llm_w = g.w / ms;
    // Like transformers: pad to the next multiple, a whole extra (empty) window when already divisible.
    const int windows_h = (llm_h + ws - llm_h % ws) / ws;
    const int windows_w = (llm_w + ws - llm_w % ws) / ws;
    for (int t = 0; t < g.t; ++t) {
      const std::int32_t frame_base = offset + t * llm_h * llm_w;
      for (int wy = 0; wy < windows_h; ++wy) {
        for (int wx = 0; wx < windows_w; ++wx) {
          std::int32_t in_window = 0;
          for (int r = wy * ws; r < (wy + 1) * ws && r < llm_h; ++r) {
            for (int c = wx * ws; c < (wx + 1) * ws && c < llm_w; ++c) {
              out.window_index.push_back(frame_base + r * llm_w + c);
              ++in_window;
            }
          }
          // An empty window would repeat the previous boundary; unique_consecutive drops it.
          if (in_window > 0) out.cu_window_seqlens.push_back(out.cu_window_seqlens.back() + in_window * unit);
        }
      }
    }
    offset += g.t * llm_h * llm_w;
  }
  out.reverse_index.assign(out.window_index.size(), 0);
  for (size_t i = 0; i < out.window_index.size(); ++i) {
    out.reverse_index[static_cast<size_t>(out.window_index[i])] = static_cast<std::int32_t>(i);
  }
  return out;
}

std::vector<std::int32_t> expand_to_patch_rows(std::span<const std::int32_t> unit_index, int merge_size) {
  const std::int32_t unit = merge_size * merge_size;
  std::vector<std::int32_t> rows;
  rows.reserve(unit_index.size() * static_cast<size_t>(unit));
  for (std::int32_t u : unit_index) {
    for (std::int32_t k = 0; k < unit; ++k) rows.push_back(u * unit + k);
  }
  return rows;
}

std::vector<std::int32_t> temporal_patch_cu_seqlens(std::span<const GridThw> grids) {
  std::vector<std::int32_t> cu{0};
  for (const GridThw& g : grids) {
    for (int t = 0; t < g.t; ++t) cu.push_back(cu.back() + g.h * g.w);
  }
  return cu;
}

}  // namespace vidscope::vlm
