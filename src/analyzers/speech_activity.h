#pragma once
// speech_activity: when people speak. Voice activity intervals (voice_activity.h: level over an adaptive
// noise floor, speech-band power ratio, hangover), speech ratio, pauses between speech, and speech rate
// as syllable nuclei per second of speech (syllable_nuclei.h). Reads the mono 16 kHz audio, new samples
// only, so overlapping segments are counted once. See docs/analyzers.md.
#include <memory>
#include <optional>
#include <vector>

#include "analyzers/analyzer.h"
#include "analyzers/audio_frame_features.h"
#include "analyzers/syllable_nuclei.h"
#include "analyzers/voice_activity.h"

namespace vidscope::analyzers {

struct SpeechActivityConfig {
  VoiceActivityParams vad;
  SyllableParams syllables;
  // An interval at least `sustained_min_s` long with fewer than `min_syllable_rate` nuclei per second is
  // a sustained sound (screams, singing, a held tone), not speech: read speech runs 3-6 per second.
  double sustained_min_s = 2.0;
  double min_syllable_rate = 2.5;
};

// Throws Error(kUsage) for unknown keys or bad values.
SpeechActivityConfig parse_speech_activity_settings(const nlohmann::json& settings);

class SpeechActivityAnalyzer final : public Analyzer {
 public:
  std::string name() const override { return "speech_activity"; }
  std::string description() const override;
  AnalyzerNeeds needs(const AnalyzerContext& context) const override;
  void begin(const AnalyzerContext& context) override;
  void process(const SegmentInput& input) override;
  nlohmann::json finish() override;

 private:
  struct TimedInterval {
    SpeechInterval interval;
    size_t syllables = 0;
  };
  struct SegmentWindow {
    int index = 0;
    double t0 = 0, t1 = 0;
  };

  void on_frame(const AudioFrameFeatures& frame);
  void collect_closed();

  SpeechActivityConfig config_;
  bool video_has_audio_ = false;
  std::optional<AudioFrameAnalyzer> frames_;
  std::optional<VoiceActivityDetector> vad_;
  std::optional<SyllableNucleusDetector> syllables_;
  std::vector<TimedInterval> intervals_;
  std::vector<TimedInterval> sustained_;
  std::vector<SegmentWindow> segments_;
  double audio_start_s_ = 0;
  double audio_end_s_ = 0;
};

}  // namespace vidscope::analyzers
