#include "vlm/segment_workload.h"

#include <algorithm>
#include <cmath>

#include "base/error.h"
#include "vlm/smart_resize.h"

namespace vidscope::vlm {

namespace {

constexpr int kPatch = 14;
constexpr int kFactor = 28;  // patch x merge

// Width and height of the image the model sees for one frame (kGrid: the whole grid).
std::pair<int, int> model_image_size(const SegmentVisualRequest& r) {
  const int width = r.layout == FrameLayout::kGrid ? r.frame_width * r.frames : r.frame_width;
  const auto size = smart_resize(r.frame_height, width, kFactor, r.min_pixels, r.max_pixels);
  return {size.width, size.height};
}

}  // namespace

std::string_view frame_layout_name(FrameLayout layout) {
  switch (layout) {
    case FrameLayout::kVideo: return "video";
    case FrameLayout::kImages: return "images";
    case FrameLayout::kGrid: return "grid";
  }
  return "video";
}

memory::Workload segment_workload(const SegmentVisualRequest& r) {
  if (r.frames < 1) throw_usage_error("frames per segment must be at least 1");
  if (r.frame_width <= 0 || r.frame_height <= 0) throw_usage_error("the frame size is unknown (0 pixels)");
  if (!(r.max_pixels >= r.min_pixels)) throw_usage_error("max_pixels is below min_pixels");
  const auto [width, height] = model_image_size(r);
  memory::Workload w;
  switch (r.layout) {
    case FrameLayout::kVideo: w.grid_t = static_cast<std::uint32_t>((r.frames + 1) / 2); break;
    case FrameLayout::kImages: w.grid_t = static_cast<std::uint32_t>(r.frames); break;
    case FrameLayout::kGrid: w.grid_t = 1; break;
  }
  w.grid_h = static_cast<std::uint32_t>(height / kPatch);
  w.grid_w = static_cast<std::uint32_t>(width / kPatch);
  w.batch_segments = std::max<std::uint32_t>(1, r.batch);
  w.prompt_text_tokens = r.prompt_text_tokens;
  w.max_new_tokens = r.max_new_tokens;
  // The decoded RGB frames of the batch being described plus one segment being decoded.
  const Bytes frame_bytes = static_cast<Bytes>(width) * static_cast<Bytes>(height) * 3;
  const Bytes per_segment = r.layout == FrameLayout::kGrid ? frame_bytes : frame_bytes * static_cast<Bytes>(r.frames);
  w.frame_buffer_bytes = per_segment * (static_cast<Bytes>(w.batch_segments) + 1);
  return w;
}

SegmentVisualRequest fit_to_workload(const SegmentVisualRequest& request, const memory::Workload& admitted) {
  SegmentVisualRequest r = request;
  r.batch = std::clamp<std::uint32_t>(admitted.batch_segments, 1, std::max<std::uint32_t>(1, request.batch));
  if (request.layout == FrameLayout::kVideo) {
    r.frames = std::min(request.frames, static_cast<int>(std::max<std::uint32_t>(1, admitted.grid_t)) * 2);
  } else if (request.layout == FrameLayout::kImages) {
    r.frames = std::min(request.frames, static_cast<int>(std::max<std::uint32_t>(1, admitted.grid_t)));
  }
  const memory::Workload asked = segment_workload(request);
  if (std::uint64_t{admitted.grid_h} * admitted.grid_w < std::uint64_t{asked.grid_h} * asked.grid_w) {
    r.max_pixels = std::max(r.min_pixels, static_cast<double>(admitted.grid_h) * admitted.grid_w * kPatch * kPatch);
  }
  return r;
}

int decode_side_for(const SegmentVisualRequest& r) {
  const auto [width, height] = model_image_size(r);
  const int per_frame_width = r.layout == FrameLayout::kGrid ? (width + r.frames - 1) / r.frames : width;
  // A margin of one resize factor so rounding in the decoder's scaler never leaves the processor short.
  return std::max(per_frame_width, height) + kFactor;
}

}  // namespace vidscope::vlm
