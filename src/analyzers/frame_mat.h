#pragma once
// A cv::Mat view of a media::Frame without copying. The Mat points into the frame's pixels, so it is
// valid only while the frame is alive, and it must be treated as read-only: media frames are shared
// by every analyzer (OpenCV has no const Mat header, hence the const_cast).
#include <opencv2/core.hpp>

#include "base/error.h"
#include "media/frame.h"

namespace vidscope::analyzers {

// Packed RGB24 (CV_8UC3, channel order R,G,B). Throws Error(kInternal) for a frame whose pixel buffer
// does not match its size, which would be a bug in the media layer.
inline cv::Mat view_rgb(const media::Frame& frame) {
  const size_t expected = static_cast<size_t>(frame.width) * static_cast<size_t>(frame.height) * 3;
  if (frame.width <= 0 || frame.height <= 0 || frame.rgb.size() != expected) {
    throw_internal_error("frame " + std::to_string(frame.index) + " has " + std::to_string(frame.rgb.size()) +
                         " bytes for " + std::to_string(frame.width) + "x" + std::to_string(frame.height) + " RGB");
  }
  return cv::Mat(frame.height, frame.width, CV_8UC3, const_cast<std::uint8_t*>(frame.rgb.data()),
                 static_cast<size_t>(frame.width) * 3);
}

}  // namespace vidscope::analyzers
