#include "vlm/mrope_positions.h"

#include <algorithm>
#include <string>

#include "base/error.h"

namespace vidscope::vlm {
namespace {

struct Emitter {
  MropePositions& out;
  std::int32_t next = 0;  // 1 + max of every id emitted so far

  void text(size_t count) {
    for (size_t i = 0; i < count; ++i, ++next) push(next, next, next);
  }
  void push(std::int32_t t, std::int32_t h, std::int32_t w) {
    out.thw[0].push_back(t);
    out.thw[1].push_back(h);
    out.thw[2].push_back(w);
  }
};

size_t find_from(std::span<const std::int32_t> ids, std::int32_t token, size_t from) {
  const auto it = std::find(ids.begin() + static_cast<std::ptrdiff_t>(from), ids.end(), token);
  return static_cast<size_t>(it - ids.begin());
}

std::string grid_text(const GridThw& g) {
  return std::to_string(g.t) + "x" + std::to_string(g.h) + "x" + std::to_string(g.w);
}

}  // namespace

MropePositions compute_mrope_positions(std::span<const std::int32_t> token_ids, std::span<const GridThw> image_grids,
                                       std::span<const GridThw> video_grids, const SpecialTokenIds& ids,
                                       const MropeSettings& settings,
                                       std::span<const double> video_second_per_grid) {
  const int ms = settings.merge_size;
  if (ms <= 0) throw_input_error("M-RoPE: merge_size must be positive");
  if (!video_second_per_grid.empty() && video_second_per_grid.size() != video_grids.size()) {
    throw_input_error("M-RoPE: " + std::to_string(video_second_per_grid.size()) +
                      " second_per_grid values for " + std::to_string(video_grids.size()) + " videos");
  }
  // Blocks are counted like transformers does: the token right after each <|vision_start|>.
  size_t image_blocks = 0, video_blocks = 0;
  for (size_t i = 0; i + 1 < token_ids.size(); ++i) {
    if (token_ids[i] != ids.vision_start) continue;
    image_blocks += token_ids[i + 1] == ids.image_pad;
    video_blocks += token_ids[i + 1] == ids.video_pad;
  }
  if (image_blocks != image_grids.size() || video_blocks != video_grids.size()) {
    throw_input_error("M-RoPE: the prompt has " + std::to_string(image_blocks) + " image and " +
                      std::to_string(video_blocks) + " video blocks but " + std::to_string(image_grids.size()) +
                      " image and " + std::to_string(video_grids.size()) + " video grids were given");
  }

  MropePositions out;
  for (auto& v : out.thw) v.reserve(token_ids.size());
  Emitter emit{out};
  size_t pos = 0, image_index = 0, video_index = 0;
  const size_t n = token_ids.size();
  for (size_t block = 0; block < image_blocks + video_blocks; ++block) {
    const size_t next_image = image_index < image_blocks ? find_from(token_ids, ids.image_pad, pos) : n + 1;
    const size_t next_video = video_index < video_blocks ? find_from(token_ids, ids.video_pad, pos) : n + 1;
    const bool is_image = next_image < next_video;
    const size_t start = is_image ? next_image : next_video;
    if (start >= n) throw_input_error("M-RoPE: a vision block has no pad tokens after <|vision_start|>");
    const GridThw& g = is_image ? image_grids[image_index] : video_grids[video_index];
    if (g.t <= 0 || g.h <= 0 || g.w <= 0 || g.h % ms != 0 || g.w % ms != 0) {
      throw_input_error("M-RoPE: invalid vision grid " + grid_text(g));
    }
    const std::int64_t gt = g.t, gh = g.h / ms, gw = g.w / ms;
    const std::int64_t count = gt * gh * gw;
    const std::int32_t pad = is_image ? ids.image_pad : ids.video_pad;
    if (start + static_cast<size_t>(count) > n ||
        std::any_of(token_ids.begin() + static_cast<std::ptrdiff_t>(start),
                    token_ids.begin() + static_cast<std::ptrdiff_t>(start + count),
                    [pad](std::int32_t id) { return id != pad; })) {
      throw_input_error("M-RoPE: grid " + grid_text(g) + " needs a run of " + std::to_string(count) +
                        " pad tokens at position " + std::to_string(start));
    }
    // Temporal step per temporal patch: Qwen2.5-VL videos use float32 absolute time like transformers.
    float seconds_per_patch = 1.0f;  // Qwen2-VL: t index is the temporal-patch number
    bool absolute_time = false;
    if (settings.rules == RopeIndexRules::kQwen25Vl) {
      absolute_time = true;
      seconds_per_patch = is_image ? 0.0f
                                   : static_cast<float>(video_second_per_grid.empty()
                                                            ? 1.0
                                                            : video_second_per_grid[video_index]);
    }
    emit.text(start - pos);
    const std::int32_t base = emit.next;
    std::int32_t block_max = base;
    for (std::int64_t t = 0; t < gt; ++t) {
      std::int32_t t_id = static_cast<std::int32_t>(t);
      if (absolute_time) {
        float time = static_cast<float>(t) * seconds_per_patch;
        time = time * static_cast<float>(settings.tokens_per_second);
        t_id = static_cast<std::int32_t>(time);
      }
      for (std::int64_t h = 0; h < gh; ++h) {
        for (std::int64_t w = 0; w < gw; ++w) {
          emit.push(base + t_id, base + static_cast<std::int32_t>(h), base + static_cast<std::int32_t>(w));
        }
      }
      block_max = std::max({block_max, base + t_id, base + static_cast<std::int32_t>(std::max(gh, gw) - 1)});
    }
    emit.next = block_max + 1;
    pos = start + static_cast<size_t>(count);
    (is_image ? image_index : video_index)++;
  }
  emit.text(n - pos);

  std::int64_t max_id = -1;
  for (const auto& row : out.thw) {
    for (std::int32_t v : row) max_id = std::max<std::int64_t>(max_id, v);
  }
  out.rope_delta = n == 0 ? 0 : max_id + 1 - static_cast<std::int64_t>(n);
  return out;
}

}  // namespace vidscope::vlm
