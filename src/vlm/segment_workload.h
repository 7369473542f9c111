#pragma once
// The planner's view of "describe each segment": from how frames are given to the model (separate
// images, one horizontal grid, or video in temporal pairs), how many, their size and the pixel cap,
// to the patch grid and token counts of one step (memory::Workload); and back, from the workload a plan
// admitted to the frames and pixel cap to use.
//
// Thread-safety: pure functions.
#include <cstdint>
#include <string_view>

#include "memory/planner_inputs.h"

namespace vidscope::vlm {

enum class FrameLayout {
  kVideo,   // frames as one video (pairs form temporal patches; an odd count is padded), the default
  kImages,  // each frame its own image (each image is one temporal patch of two identical frames)
  kGrid,    // the frames side by side in one image, as older tools did
};

std::string_view frame_layout_name(FrameLayout layout);  // "video", "images", "grid"

struct SegmentVisualRequest {
  FrameLayout layout = FrameLayout::kVideo;
  int frames = 3;
  int frame_width = 0;    // of the decoded video
  int frame_height = 0;
  double min_pixels = 56.0 * 56.0;
  double max_pixels = 336.0 * 336.0;  // per frame (kGrid: of the whole grid image)
  std::uint32_t batch = 1;
  std::uint32_t prompt_text_tokens = 64;
  std::uint32_t max_new_tokens = 64;
};

// Throws Error(kUsage) for frames < 1, a zero frame size or max_pixels below min_pixels.
memory::Workload segment_workload(const SegmentVisualRequest& request);

// The request narrowed to what `admitted` allows: batch, frames (from grid_t) and max_pixels (from the
// patch grid), never larger than asked.
SegmentVisualRequest fit_to_workload(const SegmentVisualRequest& request, const memory::Workload& admitted);

// The longest side, in pixels, a frame may have before the processor's own resize; frames are decoded
// to fit a square of this side so the model sees the pixels it would have seen from the full frame.
int decode_side_for(const SegmentVisualRequest& request);

}  // namespace vidscope::vlm
