#pragma once
// Shared helpers for the media tests.
#include <string>
#include <vector>

#include "base/error.h"
#include "media/segment_source.h"

namespace vidscope::media::testing {

inline std::string data_video(const std::string& name) { return std::string(VIDSCOPE_TEST_DATA_DIR) + "/video/" + name; }
inline std::string generated(const std::string& name) { return std::string(VIDSCOPE_GENERATED_MEDIA_DIR) + "/" + name; }

inline std::vector<Segment> read_all(const std::string& path, SourceOptions options) {
  SegmentSource source(path, std::move(options));
  std::vector<Segment> segments;
  while (auto segment = source.next()) segments.push_back(std::move(*segment));
  return segments;
}

inline FrameStreamSpec every_frame(int max_side = 64) {
  FrameStreamSpec spec;
  spec.mode = SampleMode::kEveryFrame;
  spec.max_width = max_side;
  spec.max_height = max_side;
  return spec;
}

inline FrameStreamSpec per_segment(int count, int max_side = 64) {
  FrameStreamSpec spec;
  spec.mode = SampleMode::kPerSegment;
  spec.count = count;
  spec.max_width = max_side;
  spec.max_height = max_side;
  return spec;
}

inline FrameStreamSpec at_fps(double fps, int max_side = 64) {
  FrameStreamSpec spec;
  spec.mode = SampleMode::kFps;
  spec.fps = fps;
  spec.max_width = max_side;
  spec.max_height = max_side;
  return spec;
}

// All frames of stream `s`, in segment order.
inline std::vector<FramePtr> frames_of(const std::vector<Segment>& segments, size_t s) {
  std::vector<FramePtr> frames;
  for (const Segment& segment : segments) frames.insert(frames.end(), segment.streams[s].begin(), segment.streams[s].end());
  return frames;
}

}  // namespace vidscope::media::testing
