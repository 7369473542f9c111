#pragma once
// audio_loudness: EBU R128 loudness of the whole soundtrack (integrated loudness, loudness range,
// true peak) with libebur128, silent stretches, and the RMS level of each segment. Reads the mono
// 16 kHz audio the pipeline extracts. See docs/analyzers.md.
#include <memory>
#include <optional>

#include "analyzers/analyzer.h"
#include "analyzers/silence_tracker.h"

namespace vidscope::analyzers {

struct AudioLoudnessConfig {
  SilenceParams silence;
  // false: the mono track is measured as one channel of weight 1, so a -23 LUFS mono reference reads
  // -23. true: as libebur128's DUAL_MONO (played on two speakers), which reads 3 dB louder.
  bool dual_mono = false;
};

// Throws Error(kUsage) for unknown keys or bad values.
AudioLoudnessConfig parse_audio_loudness_settings(const nlohmann::json& settings);

class AudioLoudnessAnalyzer final : public Analyzer {
 public:
  AudioLoudnessAnalyzer();
  ~AudioLoudnessAnalyzer() override;

  std::string name() const override { return "audio_loudness"; }
  std::string description() const override;
  AnalyzerNeeds needs(const AnalyzerContext& context) const override;
  void begin(const AnalyzerContext& context) override;
  void process(const SegmentInput& input) override;
  nlohmann::json finish() override;

 private:
  struct Meter;  // the libebur128 state (its header's anonymous struct cannot be forward-declared)

  AudioLoudnessConfig config_;
  bool video_has_audio_ = false;
  std::unique_ptr<Meter> meter_;
  std::optional<SilenceTracker> silence_;
  std::size_t samples_measured_ = 0;
  nlohmann::json segments_ = nlohmann::json::array();
};

}  // namespace vidscope::analyzers
