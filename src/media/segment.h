#pragma once
// The unit of work that flows from the media layer to the analyzers.
#include <cstdint>
#include <span>
#include <vector>

#include "media/frame.h"

namespace vidscope::media {

struct SegmentPlan {
  double segment_duration_s = 2.0;
  int frames_per_segment = 3;   // default count for kPerSegment streams that ask for it
  double overlap_ratio = 0.0;   // in [0, 0.9]; the stride between segment starts is duration * (1 - overlap)

  double stride_s() const { return segment_duration_s * (1.0 - overlap_ratio); }
};

struct Segment {
  int index = 0;
  double t0 = 0;                 // window start, seconds
  double t1 = 0;                 // window end (exclusive); for the last segment, the video's end
  bool is_last = false;
  bool is_partial = false;       // the last segment, shorter than segment_duration_s

  // One entry per distinct FrameStreamSpec, in the order the specs were given to the SegmentSource.
  std::vector<std::vector<FramePtr>> streams;

  // Mono float audio at kAudioSampleRate for [t0, t1); empty when the video has no audio or none was
  // requested. Samples from index `audio_new_begin` on were not in any earlier segment: consumers
  // that accumulate over the whole video (loudness) read only those, so overlap is not counted twice.
  std::vector<float> audio;
  size_t audio_new_begin = 0;
  double audio_t0 = 0;           // time of audio[0]

  std::span<const float> new_audio() const {
    return std::span<const float>(audio).subspan(audio_new_begin < audio.size() ? audio_new_begin : audio.size());
  }
};

constexpr int kAudioSampleRate = 16000;

}  // namespace vidscope::media
