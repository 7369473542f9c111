#pragma once
// audio_features: spectral shape (centroid, rolloff, flatness), zero-crossing rate, onsets, beats and
// tempo (aubio), and a per-segment label music / speech / silence / noise by a written rule
// (audio_segment_stats.h). Reads the mono 16 kHz audio, new samples only. See docs/analyzers.md.
#include <map>
#include <optional>
#include <vector>

#include "analyzers/analyzer.h"
#include "analyzers/aubio_rhythm.h"
#include "analyzers/audio_frame_features.h"
#include "analyzers/audio_segment_stats.h"

namespace vidscope::analyzers {

struct AudioFeaturesConfig {
  RhythmParams rhythm;
  AudioClassRule rule;
};

// Throws Error(kUsage) for unknown keys or bad values.
AudioFeaturesConfig parse_audio_features_settings(const nlohmann::json& settings);

class AudioFeaturesAnalyzer final : public Analyzer {
 public:
  std::string name() const override { return "audio_features"; }
  std::string description() const override;
  AnalyzerNeeds needs(const AnalyzerContext& context) const override;
  void begin(const AnalyzerContext& context) override;
  void process(const SegmentInput& input) override;
  nlohmann::json finish() override;

 private:
  AudioFeaturesConfig config_;
  bool video_has_audio_ = false;
  std::optional<AudioFrameAnalyzer> frame_analyzer_;
  std::optional<RhythmTracker> rhythm_;
  std::vector<AudioFrameFeatures> segment_frames_;
  std::vector<double> onsets_;
  std::vector<double> beats_;
  nlohmann::json segments_ = nlohmann::json::array();
  // Duration-weighted sums for the summary.
  double weighted_seconds_ = 0;
  double centroid_sum_ = 0, rolloff_sum_ = 0, flatness_sum_ = 0, zcr_sum_ = 0;
  std::map<std::string, double> class_seconds_;
  double audio_start_s_ = 0, audio_end_s_ = 0;
};

}  // namespace vidscope::analyzers
