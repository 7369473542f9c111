#pragma once
// Cuts a stream of 16 kHz mono audio into utterances for a TranscriptEngine: the VAD's speech
// intervals (voice_activity.h) widened by `padding_s` of context on each side, and speech longer than
// `max_utterance_s` cut into pieces, so decoder memory stays bounded however long anyone speaks.
//
// Memory: the samples of the open utterance plus the padding (at most max_utterance_s + 2 padding).
// Not thread-safe; one instance per stream.
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "analyzers/audio_frame_features.h"
#include "analyzers/voice_activity.h"

namespace vidscope::analyzers {

struct Utterance {
  double start_s = 0;  // time of audio[0]
  std::vector<float> audio;
  double end_s() const { return start_s + static_cast<double>(audio.size()) / media::kAudioSampleRate; }
};

struct UtteranceParams {
  VoiceActivityParams vad;
  double padding_s = 0.25;
  double max_utterance_s = 20.0;
};

class UtteranceCutter {
 public:
  using Sink = std::function<void(Utterance&&)>;

  // `start_time_s`: time of the first sample that will be added.
  UtteranceCutter(UtteranceParams params, double start_time_s);

  // Appends samples; hands every utterance completed by them to `sink`, in time order.
  void add(std::span<const float> samples, const Sink& sink);
  // Ends the stream: an utterance still open is handed to `sink`.
  void finish(const Sink& sink);

 private:
  void on_frame(const AudioFrameFeatures& frame, const Sink& sink);
  void emit(double from_s, double to_s, const Sink& sink);
  void trim_before(double time_s);
  double buffer_end_s() const;

  UtteranceParams params_;
  AudioFrameAnalyzer frames_;
  VoiceActivityDetector vad_;
  std::vector<float> buffer_;  // samples from buffer_start_s_ on
  double buffer_start_s_;
  double emitted_until_s_;     // audio before this time was already handed out
};

}  // namespace vidscope::analyzers
