#pragma once
// Internal to the media layer: the pure part of SegmentSource. It receives decoded pictures in time
// order and groups them into Segments per the SegmentPlan and the FrameStreamSpecs, without any
// FFmpeg types, so its rules are unit-tested with fake pictures.
//
// Rules:
// - Segment k covers [k*stride, k*stride + duration); a segment exists once a picture at or after its
//   start was seen. At the end, t1 is clamped to the end of the video; a segment shorter than the
//   plan's duration is marked partial and the final one last.
// - kEveryFrame: each picture goes to the segment whose stride window [start, start + stride) holds it.
// - kPerSegment: `count` targets at t0 + (i + 0.5) * (t1 - t0) / count, each answered by the latest
//   picture at or before it (the same picture may answer several targets or two overlapping segments:
//   the same FramePtr is shared). A segment that runs past the expected end of the video spreads its
//   targets up to that expected end (known only from the header until the file ends).
// - kFps: targets at m / fps answered the same way; a picture is delivered once even when it answers
//   several targets, to the segment whose stride window holds the picture.
// Pictures are converted (Picture::frame_for) only when chosen, at most once per spec.
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "media/frame_stream.h"
#include "media/segment.h"

namespace vidscope::media::detail {

class Picture {
 public:
  Picture(double time_s, std::int64_t index) : time_s_(time_s), index_(index) {}
  virtual ~Picture() = default;
  double time_s() const { return time_s_; }
  std::int64_t index() const { return index_; }
  // The converted frame for stream `spec_index`; implementations cache it.
  virtual FramePtr frame_for(size_t spec_index) = 0;

 private:
  double time_s_;
  std::int64_t index_;
};

class SegmentAssembler {
 public:
  // expected_end_s: the probed end of the video, 0 when unknown.
  SegmentAssembler(SegmentPlan plan, std::vector<FrameStreamSpec> specs, double expected_end_s);

  // Pictures must come in increasing time order.
  void add_picture(std::shared_ptr<Picture> picture);

  // No more pictures; `end_s` is the end of the video (last picture's time plus its duration).
  void finish(double end_s);

  bool has_segments() const { return !pending_.empty(); }
  // The oldest segment is complete: a later picture reached its end, or the video finished.
  bool front_ready() const;
  double front_end_s() const;  // the oldest segment's t1 (clamped once finished)
  Segment pop_front();         // requires has_segments()

 private:
  struct Pending {
    Segment segment;
    std::vector<std::vector<double>> targets;  // per spec; empty unless kPerSegment
    std::vector<size_t> next_target;
  };

  Pending* find_pending(int index);
  int stride_window_of(double time_s) const;
  void open_segments_until(double time_s);
  void resolve_targets_before(double time_s, bool all);
  void deliver(int segment_index, size_t spec_index, const std::shared_ptr<Picture>& picture);

  SegmentPlan plan_;
  std::vector<FrameStreamSpec> specs_;
  double expected_end_s_;
  std::deque<Pending> pending_;
  int next_segment_index_ = 0;
  std::shared_ptr<Picture> previous_;
  double latest_time_s_ = -1;
  bool finished_ = false;
  double end_s_ = 0;
  std::vector<std::int64_t> fps_next_target_;    // per spec, kFps: index m of the next target m / fps
  std::vector<std::int64_t> fps_last_delivered_;  // per spec, kFps: picture index last delivered
};

}  // namespace vidscope::media::detail
