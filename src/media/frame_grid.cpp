// make_horizontal_grid: frames side by side at the smallest height among them.
#include <algorithm>
#include <cstring>

#include "base/error.h"
#include "media/frame_converter.h"
#include "media/segment_source.h"

extern "C" {
#include <libswscale/swscale.h>
}

namespace vidscope::media {
namespace {

// Area-resamples an RGB24 frame to `width` x `height`.
std::vector<std::uint8_t> resize_rgb(const Frame& frame, int width, int height) {
  if (frame.width == width && frame.height == height) return frame.rgb;
  detail::SwsContextPtr ctx(sws_getContext(frame.width, frame.height, AV_PIX_FMT_RGB24, width, height,
                                           AV_PIX_FMT_RGB24, SWS_AREA, nullptr, nullptr, nullptr));
  if (!ctx) throw_internal_error("cannot create an RGB resampler for the frame grid");
  std::vector<std::uint8_t> out(static_cast<size_t>(width) * height * 3);
  const uint8_t* source[4] = {frame.rgb.data(), nullptr, nullptr, nullptr};
  const int source_stride[4] = {frame.width * 3, 0, 0, 0};
  uint8_t* destination[4] = {out.data(), nullptr, nullptr, nullptr};
  const int destination_stride[4] = {width * 3, 0, 0, 0};
  sws_scale(ctx.get(), source, source_stride, 0, frame.height, destination, destination_stride);
  return out;
}

}  // namespace

FramePtr make_horizontal_grid(const std::vector<FramePtr>& frames) {
  if (frames.empty()) throw_internal_error("make_horizontal_grid needs at least one frame");
  int height = frames.front()->height;
  for (const FramePtr& frame : frames) height = std::min(height, frame->height);
  std::vector<int> widths;
  int total_width = 0;
  for (const FramePtr& frame : frames) {
    const int width = std::max(1, static_cast<int>(static_cast<long long>(frame->width) * height / frame->height));
    widths.push_back(width);
    total_width += width;
  }
  auto grid = std::make_shared<Frame>();
  grid->time_s = frames.front()->time_s;
  grid->index = frames.front()->index;
  grid->width = total_width;
  grid->height = height;
  grid->rgb.resize(static_cast<size_t>(total_width) * height * 3);
  int x = 0;
  for (size_t i = 0; i < frames.size(); ++i) {
    const std::vector<std::uint8_t> scaled = resize_rgb(*frames[i], widths[i], height);
    for (int y = 0; y < height; ++y) {
      std::memcpy(&grid->rgb[(static_cast<size_t>(y) * total_width + x) * 3],
                  &scaled[static_cast<size_t>(y) * widths[i] * 3], static_cast<size_t>(widths[i]) * 3);
    }
    x += widths[i];
  }
  return grid;
}

}  // namespace vidscope::media
