#include "media/frame_stream.h"

#include <fmt/format.h>

namespace vidscope::media {

std::string describe(const FrameStreamSpec& spec) {
  std::string text;
  switch (spec.mode) {
    case SampleMode::kEveryFrame: text = "every frame"; break;
    case SampleMode::kPerSegment: text = fmt::format("{} per segment", spec.count); break;
    case SampleMode::kFps: text = fmt::format("{:g} fps", spec.fps); break;
  }
  if (spec.max_width > 0 || spec.max_height > 0) {
    const auto side = [](int v) { return v > 0 ? std::to_string(v) : std::string("any"); };
    text += fmt::format(" <={}x{}", side(spec.max_width), side(spec.max_height));
  } else {
    text += " full size";
  }
  text += spec.quality == ResizeQuality::kArea ? " area" : " bicubic";
  return text;
}

FrameStreamSpec every_frame(int max_side, ResizeQuality quality) {
  FrameStreamSpec spec;
  spec.mode = SampleMode::kEveryFrame;
  spec.max_width = spec.max_height = max_side;
  spec.quality = quality;
  return spec;
}

FrameStreamSpec frames_per_segment(int count, int max_side, ResizeQuality quality) {
  FrameStreamSpec spec = every_frame(max_side, quality);
  spec.mode = SampleMode::kPerSegment;
  spec.count = count;
  return spec;
}

FrameStreamSpec frames_at_fps(double fps, int max_side, ResizeQuality quality) {
  FrameStreamSpec spec = every_frame(max_side, quality);
  spec.mode = SampleMode::kFps;
  spec.fps = fps;
  return spec;
}

}  // namespace vidscope::media
