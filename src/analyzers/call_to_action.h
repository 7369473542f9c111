#pragma once
// call_to_action: call-to-action phrases ("link in bio", "follow for more", "50% off", ...) in what is
// said, with times. Speech goes through its own SpeechTranscriber; when created by the registry it shares
// the run's SharedSpeechRecognizer with transcript, so the model is loaded and each utterance decoded
// once for both (it still does not depend on transcript running). On-screen calls to action are
// reported by text_overlay (field `cta`) with the same matcher, find_cta_phrases (cta_phrases.h).
// See docs/analyzers.md.
#include "analyzers/analyzer.h"
#include "analyzers/cta_phrases.h"
#include "analyzers/shared_speech_recognizer.h"
#include "analyzers/speech_transcriber.h"

namespace vidscope::analyzers {

struct CallToActionConfig {
  TranscriberConfig transcriber;
  std::string phrases_file;  // "" = the built-in list (data/cta_phrases.json)
};

// Throws Error(kUsage) for unknown keys or bad values.
CallToActionConfig parse_call_to_action_settings(const nlohmann::json& settings);

class CallToActionAnalyzer final : public Analyzer {
 public:
  // `factory` makes the speech engine (PocketSphinx unless another is given), loaded for this analyzer.
  explicit CallToActionAnalyzer(TranscriptEngineFactory factory = pocketsphinx_engine_factory()) : transcriber_(std::move(factory)) {}
  // Shares `recognizer` (engine and decoded words) with the other speech analyzers of the run.
  explicit CallToActionAnalyzer(std::shared_ptr<SharedSpeechRecognizer> recognizer) : transcriber_(std::move(recognizer)) {}

  std::string name() const override { return "call_to_action"; }
  std::string description() const override;
  AnalyzerNeeds needs(const AnalyzerContext& context) const override;
  void begin(const AnalyzerContext& context) override;
  void process(const SegmentInput& input) override;
  nlohmann::json finish() override;

 private:
  void search(const TranscribedUtterance& utterance);

  CallToActionConfig config_;
  CtaPhraseList phrases_;
  bool video_has_audio_ = false;
  std::string skip_reason_;
  SpeechTranscriber transcriber_;
  nlohmann::json matches_ = nlohmann::json::array();
};

}  // namespace vidscope::analyzers
