#pragma once
// sound_effects: sudden-onset sounds (hits, bangs, claps, whooshes with a sharp attack) that are not
// speech. Candidates are aubio onsets whose level jumps by at least `min_jump_db` over the median level
// of the 250 ms before and reach `min_peak_dbfs` within 100 ms; a candidate inside a speech interval
// (the same VAD as speech_activity, widened by `speech_margin_s`) is dropped. It finds events by their
// attack; it does not name them (see docs/analyzers.md, known limits).
#include <deque>
#include <optional>
#include <vector>

#include "analyzers/analyzer.h"
#include "analyzers/aubio_rhythm.h"
#include "analyzers/audio_frame_features.h"
#include "analyzers/voice_activity.h"

namespace vidscope::analyzers {

struct SoundEffectsConfig {
  double min_jump_db = 15.0;
  double min_peak_dbfs = -40.0;
  double speech_margin_s = 0.15;
  double impact_max_centroid_hz = 1500.0;  // "impact" (thud, boom) below, "sharp" (clap, crack) above
  VoiceActivityParams vad;
  RhythmParams rhythm;
};

// Throws Error(kUsage) for unknown keys or bad values.
SoundEffectsConfig parse_sound_effects_settings(const nlohmann::json& settings);

class SoundEffectsAnalyzer final : public Analyzer {
 public:
  std::string name() const override { return "sound_effects"; }
  std::string description() const override;
  AnalyzerNeeds needs(const AnalyzerContext& context) const override;
  void begin(const AnalyzerContext& context) override;
  void process(const SegmentInput& input) override;
  nlohmann::json finish() override;

 private:
  struct Event {
    double time_s = 0;
    double jump_db = 0;
    double peak_dbfs = 0;
    double centroid_hz = 0;
  };

  void on_frame(const AudioFrameFeatures& frame);
  void judge_ready_onsets(bool at_end);

  SoundEffectsConfig config_;
  bool video_has_audio_ = false;
  std::optional<AudioFrameAnalyzer> frame_analyzer_;
  std::optional<RhythmTracker> rhythm_;
  std::optional<VoiceActivityDetector> vad_;
  std::deque<AudioFrameFeatures> recent_frames_;  // the last 2 s
  std::deque<double> pending_onsets_;             // waiting for the frames after them
  std::vector<Event> candidates_;
  std::vector<SpeechInterval> speech_;
  size_t onsets_seen_ = 0;
};

}  // namespace vidscope::analyzers
