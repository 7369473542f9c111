#pragma once
// A decoded picture shared read-only by every consumer. Frames are immutable once published: the
// decoder allocates, converts and hands out shared_ptr<const Frame>; the last holder frees it.
#include <cstdint>
#include <memory>
#include <vector>

namespace vidscope::media {

struct Frame {
  double time_s = 0;         // presentation time from the first video frame (first frame at 0)
  std::int64_t index = 0;    // position in decode (= presentation) order, from 0
  int width = 0;             // after rotation and scaling
  int height = 0;
  std::vector<std::uint8_t> rgb;  // packed RGB24, row stride = width * 3, top row first

  const std::uint8_t* row(int y) const { return rgb.data() + static_cast<size_t>(y) * width * 3; }
  size_t byte_size() const { return rgb.size(); }
};

using FramePtr = std::shared_ptr<const Frame>;

}  // namespace vidscope::media
