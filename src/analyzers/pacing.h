#pragma once
// pacing: how fast the video moves. Shot-length statistics and cuts per minute (shots from the shared
// shot detector, the same boundaries as shot_cuts), the opening "hook" (cuts and visual activity in
// the first seconds), a per-segment activity timeline, and a speech/music balance *proxy* from the
// segment audio (silence, a low-energy-window share typical of speech, or sustained sound). Analyzers
// are independent, so pacing computes these from its own inputs rather than reading other analyzers'
// results. See docs/analyzers.md.
#include <optional>
#include <span>
#include <string>

#include "analyzers/analyzer.h"
#include "analyzers/content_score.h"
#include "analyzers/shot_detector.h"

namespace vidscope::analyzers {

struct PacingConfig {
  ShotDetectorParams detector;
  double hook_s = 3.0;                    // the opening window
  double silence_dbfs = -45;              // segment audio quieter than this is silence
  double speech_low_energy_share = 0.35;  // at least this share of quiet 20 ms windows: speech-like
  int max_size = 256;
};

// Throws Error(kUsage) for unknown keys or bad values.
PacingConfig parse_pacing_settings(const nlohmann::json& settings);

struct AudioBalance {
  double rms_dbfs = -120;
  double low_energy_share = 0;  // 20 ms windows whose RMS is below half the mean window RMS
  std::string label;            // "silence", "speech_like" or "music_like"
};

// Mono samples at media::kAudioSampleRate. Empty input is silence.
AudioBalance classify_audio(std::span<const float> samples, const PacingConfig& config);

class PacingAnalyzer final : public Analyzer {
 public:
  std::string name() const override { return "pacing"; }
  std::string description() const override;
  AnalyzerNeeds needs(const AnalyzerContext& context) const override;
  void begin(const AnalyzerContext& context) override;
  void process(const SegmentInput& input) override;
  nlohmann::json finish() override;

 private:
  struct Activity {
    double sum = 0;
    int count = 0;
    double mean() const { return count > 0 ? sum / count : 0.0; }
  };
  nlohmann::json audio_summary() const;

  PacingConfig config_;
  bool video_has_audio_ = false;
  std::optional<ShotDetector> detector_;
  std::optional<ContentFrame> previous_;
  std::int64_t last_frame_index_ = -1;
  double video_end_s_ = 0;
  Activity hook_motion_, all_motion_;
  nlohmann::json timeline_ = nlohmann::json::array();
  double silence_s_ = 0, speech_s_ = 0, music_s_ = 0;
};

}  // namespace vidscope::analyzers
