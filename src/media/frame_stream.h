#pragma once
// How an analyzer wants frames. The pipeline collects the specs of all analyzers, removes
// duplicates, and the decoder produces each distinct stream from one decode pass.
#include <compare>
#include <string>

namespace vidscope::media {

enum class SampleMode {
  kEveryFrame,   // every decoded frame, each delivered exactly once (in the segment whose stride holds it)
  kPerSegment,   // `count` frames spread evenly over each segment window [t0, t1)
  kFps,          // frames at a target rate, each delivered exactly once
};

enum class ResizeQuality {
  kArea,     // for downscaling analysis frames (cut detection, color): averages, no aliasing
  kBicubic,  // for model inputs, matching the processors the models were trained with
};

struct FrameStreamSpec {
  SampleMode mode = SampleMode::kPerSegment;
  int count = 3;        // kPerSegment: frames per segment
  double fps = 0;       // kFps: target frames per second
  int max_width = 0;    // frames are scaled to fit inside max_width x max_height keeping the aspect
  int max_height = 0;   // ratio (never upscaled); 0 means no limit on that side
  ResizeQuality quality = ResizeQuality::kArea;

  auto operator<=>(const FrameStreamSpec&) const = default;
};

// The three kinds of stream, scaled to fit inside max_side x max_side.
FrameStreamSpec every_frame(int max_side, ResizeQuality quality = ResizeQuality::kArea);
FrameStreamSpec frames_per_segment(int count, int max_side, ResizeQuality quality = ResizeQuality::kArea);
FrameStreamSpec frames_at_fps(double fps, int max_side, ResizeQuality quality = ResizeQuality::kArea);

std::string describe(const FrameStreamSpec& spec);  // "every frame <=256x256 area", for logs and `analyzers`

}  // namespace vidscope::media
