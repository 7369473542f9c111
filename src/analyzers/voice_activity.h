#pragma once
// Voice activity detection on AudioFrameFeatures (20 ms frames), streaming, with constant memory.
//
// A frame is *voiced* when all hold:
//   - its level is at least `min_level_dbfs` (absolute floor),
//   - its level is at least `above_noise_db` over the noise floor, the `noise_percentile` of the levels
//     of the last `noise_window_s` of frames (a running minimum-statistics estimate),
//   - at least `min_speech_band_ratio` of its power lies in 300-3400 Hz (voice energy; broadband
//     noise puts ~40% there at 16 kHz, hiss and rumble much less).
// Speech runs from the first voiced frame to the last voiced frame before a gap longer than
// `hangover_s` (so unvoiced consonants and short gaps inside words do not split it). Runs shorter than
// `min_speech_s` (clicks, knocks) are dropped. Interval times are frame edges.
//
// Not thread-safe; one instance per stream.
#include <deque>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "analyzers/audio_frame_features.h"

namespace vidscope::analyzers {

class SettingsReader;

struct VoiceActivityParams {
  double min_level_dbfs = -45.0;
  double above_noise_db = 12.0;
  double noise_window_s = 10.0;
  double noise_percentile = 0.05;
  double min_speech_band_ratio = 0.5;
  double hangover_s = 0.2;
  double min_speech_s = 0.12;
};

// Reads the VAD keys (vad_min_level_dbfs, vad_above_noise_db, vad_speech_band_ratio, vad_hangover_ms,
// vad_min_speech_ms) shared by every analyzer that runs the VAD. Throws Error(kUsage) for bad values.
VoiceActivityParams read_voice_activity_params(SettingsReader& reader);
nlohmann::json voice_activity_params_to_json(const VoiceActivityParams& params);

struct SpeechInterval {
  double start_s = 0;
  double end_s = 0;
  double duration_s() const { return end_s - start_s; }
};

class VoiceActivityDetector {
 public:
  explicit VoiceActivityDetector(VoiceActivityParams params);

  // Classifies one frame (frames must come in time order, 20 ms apart). Returns true when the frame
  // itself is voiced; a finished interval, if this frame closed one, is returned by take_closed().
  bool add(const AudioFrameFeatures& frame);
  // Closes an open interval at the end of the stream.
  void finish();

  // Intervals closed since the last call, in time order.
  std::vector<SpeechInterval> take_closed();
  // The open interval's start, when speech may be going on.
  std::optional<double> open_start_s() const;
  // The current noise floor estimate in dBFS.
  double noise_floor_dbfs() const { return noise_floor_dbfs_; }

 private:
  void close_open();

  VoiceActivityParams params_;
  std::deque<double> recent_levels_;
  size_t noise_window_frames_;
  double noise_floor_dbfs_ = -120.0;
  std::optional<double> open_start_;
  double last_voiced_end_s_ = 0;
  double last_frame_end_s_ = 0;
  std::vector<SpeechInterval> closed_;
};

}  // namespace vidscope::analyzers
