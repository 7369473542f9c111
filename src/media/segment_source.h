#pragma once
// One decode pass over a video producing Segments in time order. Memory stays bounded by one
// segment's frames (plus what consumers still hold), whatever the video's length.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "media/frame_stream.h"
#include "media/segment.h"
#include "media/video_info.h"

namespace vidscope::media {

struct SourceOptions {
  SegmentPlan plan;
  std::vector<FrameStreamSpec> streams;  // distinct specs; Segment::streams follows this order
  bool want_audio = false;
  int decoder_threads = 0;               // FFmpeg frame threads; 0 = automatic
};

class SegmentSource {
 public:
  // Opens the file (throws Error(kInput) like probe_video) and prepares decoders and converters.
  SegmentSource(const std::string& path, SourceOptions options);
  ~SegmentSource();
  SegmentSource(const SegmentSource&) = delete;
  SegmentSource& operator=(const SegmentSource&) = delete;

  const VideoInfo& info() const;
  int expected_segment_count() const;  // from the probed duration; the last segment may end earlier

  // The next segment in time order, or nullopt after the last one. A decode error in the middle of
  // the file ends the stream early with a warning (the frames before it are kept), because a damaged
  // tail is common in real files; a file that yields no frame at all throws Error(kInput).
  std::optional<Segment> next();

  // Progress in [0, 1] by decoded time, for progress bars.
  double progress() const;

  // Every problem met so far that did not stop the decode (a damaged tail, an audio track given up),
  // also logged as it happened; for the report, so that it never silently covers only part of a file.
  std::vector<std::string> warnings() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Lays frames side by side (left to right), scaled to a common height; used by the VLM's grid input.
FramePtr make_horizontal_grid(const std::vector<FramePtr>& frames);

}  // namespace vidscope::media
