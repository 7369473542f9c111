#pragma once
// Internal to the media layer: turns decoded pictures into RGB24 Frames of one output size and
// resize quality, rotated upright. One converter serves every FrameStreamSpec that asks for the same
// size and quality, so each decoded picture is converted at most once per distinct output.
#include <cstdint>

#include "media/av_handles.h"
#include "media/frame.h"
#include "media/frame_stream.h"

namespace vidscope::media::detail {

struct PictureSize {
  int width = 0;
  int height = 0;
  auto operator<=>(const PictureSize&) const = default;
};

// Largest size inside max_width x max_height (0 = no limit) with the source's aspect ratio, never
// larger than the source and never below 1x1.
PictureSize fit_inside(PictureSize source, int max_width, int max_height);

class FrameConverter {
 public:
  // `upright` is the displayed size (after rotation) the output must have; rotation_deg is clockwise.
  FrameConverter(PictureSize upright, int rotation_deg, ResizeQuality quality);

  PictureSize output_size() const { return upright_; }
  ResizeQuality quality() const { return quality_; }

  // Scales, converts to RGB24 and rotates. Throws Error(kInternal) when swscale cannot convert the
  // picture's pixel format.
  FramePtr convert(const AVFrame& picture, double time_s, std::int64_t index);

 private:
  PictureSize upright_;
  PictureSize scaled_;  // before rotation
  int rotation_deg_;
  ResizeQuality quality_;
  SwsContextPtr sws_;
  SwsContext* cached_ = nullptr;  // keeps sws_getCachedContext's identity across calls
};

// Rotates packed RGB24 clockwise by 90, 180 or 270 degrees; `source` is width x height.
std::vector<std::uint8_t> rotate_rgb(const std::vector<std::uint8_t>& source, int width, int height, int rotation_deg);

}  // namespace vidscope::media::detail
