#pragma once
// audio_environment: what the background sounds like, per segment and overall. A segment is "quiet",
// "steady_ambience" (few onsets, level and spectrum stable: a room tone, traffic bed, hum, rain) or
// "active" (things happen); its texture is "hum", "broadband_noise", "low_rumble" or "mixed"; its noise
// floor is the 10th percentile of its 20 ms frame levels. Rules in docs/analyzers.md; they describe
// the signal, they do not recognise places.
#include <map>
#include <optional>
#include <vector>

#include "analyzers/analyzer.h"
#include "analyzers/aubio_rhythm.h"
#include "analyzers/audio_frame_features.h"

namespace vidscope::analyzers {

struct AudioEnvironmentRule {
  double quiet_below_dbfs = -50.0;
  double steady_max_onsets_per_s = 1.0;
  double steady_max_level_std_db = 3.0;
  double steady_max_centroid_cv = 0.15;
  double hum_max_flatness = 0.05;
  double broadband_min_flatness = 0.3;
  double rumble_max_rolloff_hz = 500.0;
};

struct AudioEnvironmentConfig {
  AudioEnvironmentRule rule;
  RhythmParams rhythm;
};

// Throws Error(kUsage) for unknown keys or bad values.
AudioEnvironmentConfig parse_audio_environment_settings(const nlohmann::json& settings);

class AudioEnvironmentAnalyzer final : public Analyzer {
 public:
  std::string name() const override { return "audio_environment"; }
  std::string description() const override;
  AnalyzerNeeds needs(const AnalyzerContext& context) const override;
  void begin(const AnalyzerContext& context) override;
  void process(const SegmentInput& input) override;
  nlohmann::json finish() override;

 private:
  AudioEnvironmentConfig config_;
  bool video_has_audio_ = false;
  std::optional<AudioFrameAnalyzer> frame_analyzer_;
  std::optional<RhythmTracker> rhythm_;
  std::vector<AudioFrameFeatures> segment_frames_;
  nlohmann::json segments_ = nlohmann::json::array();
  std::map<std::string, double> kind_seconds_;
  std::map<std::string, double> texture_seconds_;
  std::vector<double> noise_floors_;
};

}  // namespace vidscope::analyzers
