#pragma once
// Internal to the media layer: decodes one audio stream to mono float at kAudioSampleRate and keeps
// only the samples that segments not yet handed out still need.
#include <cstdint>
#include <string>
#include <vector>

#include "media/av_handles.h"

namespace vidscope::media::detail {

class AudioTrack {
 public:
  AudioTrack(const std::string& path, const AVStream& stream);

  // Decodes one packet (nullptr flushes). A decode error stops the track with a warning: the video
  // goes on, the rest of the audio reads as silence.
  void decode(const AVPacket* packet);
  void finish() { finished_ = true; }
  bool finished() const { return finished_; }

  // Absolute stream time (seconds, container clock) up to which samples are known.
  double covered_until_s() const;

  // Samples for the absolute interval [begin_s, end_s): missing samples (before the track starts,
  // after it ends) are silence. `sample_begin` receives the absolute sample position of the first.
  std::vector<float> extract(double begin_s, double end_s, std::int64_t* sample_begin) const;
  std::int64_t sample_position(double time_s) const;

  // Forgets samples before the absolute time `time_s`.
  void drop_before(double time_s);

  // What went wrong with this track so far (also logged as it happened), oldest first.
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  void append_converted(const AVFrame* frame);
  void warn(std::string text);

  std::string path_;
  std::vector<std::string> warnings_;
  AVRational time_base_;
  CodecContextPtr decoder_;
  SwrContextPtr resampler_;
  AvFramePtr frame_;
  bool started_ = false;
  bool finished_ = false;
  double start_s_ = 0;               // absolute time of sample 0
  std::int64_t buffer_begin_ = 0;    // sample position of samples_[0]
  std::vector<float> samples_;
};

}  // namespace vidscope::media::detail
