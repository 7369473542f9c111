#pragma once
// Short-time features of 16 kHz mono audio, one record per 20 ms frame (no overlap): level, the share of
// power in the voice band 80-3400 Hz (fundamental to the top of the telephone band: in close-miked male
// speech most vowel power lies below 300 Hz, so the telephone band 300-3400 alone misses it), spectral centroid / rolloff / flatness / flux and zero-crossing
// rate. The spectrum is aubio's FFT of the Hann-windowed frame zero-padded to 512 points (31.25 Hz bins).
// Shared by speech_activity, transcript, audio_features, audio_environment and sound_effects, so all
// of them mean the same thing by "level" and "voice band".
//
// Not thread-safe; one instance per stream. Memory is constant (one frame and one spectrum).
#include <functional>
#include <span>
#include <vector>

#include "analyzers/aubio_handles.h"
#include "media/segment.h"

namespace vidscope::analyzers {

// Time of the first sample of `segment.new_audio()`: where a stream that reads only new audio continues.
inline double fresh_audio_start_s(const media::Segment& segment) {
  return segment.audio_t0 + static_cast<double>(segment.audio_new_begin) / media::kAudioSampleRate;
}

struct AudioFrameFeatures {
  double time_s = 0;             // start of the frame
  double rms_dbfs = -120;        // RMS level, floored at -120 (digital silence)
  double speech_band_ratio = 0;  // power in the voice band 80-3400 Hz / power in 31 Hz-8 kHz; 0 for silence
  double centroid_hz = 0;        // power-weighted mean frequency; 0 for silence
  double rolloff_hz = 0;         // frequency below which 85% of the power lies
  double flatness = 0;           // geometric / arithmetic mean of the power spectrum, 0 (tonal) .. 1 (white)
  double flux = 0;               // sum of positive magnitude increases since the previous frame / sum of magnitudes
  double zero_crossing_rate = 0; // sign changes per sample, 0 .. 1
};

class AudioFrameAnalyzer {
 public:
  static constexpr int kFrameSamples = 320;  // 20 ms at 16 kHz
  static constexpr int kFftSize = 512;
  static constexpr double kFrameSeconds = 0.02;

  // `start_time_s`: time of the first sample that will be added.
  explicit AudioFrameAnalyzer(double start_time_s);

  // Appends samples; calls `on_frame` for each frame completed by them, in time order. A trailing
  // partial frame waits for the next call.
  void add(std::span<const float> samples, const std::function<void(const AudioFrameFeatures&)>& on_frame);

 private:
  AudioFrameFeatures analyze_frame();

  double next_frame_time_s_;
  std::vector<float> pending_;  // up to one frame
  std::vector<float> hann_;
  std::vector<double> previous_magnitude_;
  AubioFvec input_;
  AubioCvec spectrum_;
  AubioFft fft_;
};

}  // namespace vidscope::analyzers
