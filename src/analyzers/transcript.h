#pragma once
// transcript: speech to text with word times. Utterances are cut by the VAD (voice_activity.h) and
// decoded one at a time by a TranscriptEngine (PocketSphinx by default), so memory stays bounded for
// any video length. Without the model files the analyzer reports {"status": "skipped", "reason"}.
// See docs/analyzers.md.
#include "analyzers/analyzer.h"
#include "analyzers/shared_speech_recognizer.h"
#include "analyzers/speech_transcriber.h"

namespace vidscope::analyzers {

// Throws Error(kUsage) for unknown keys or bad values.
TranscriberConfig parse_transcript_settings(const nlohmann::json& settings);

class TranscriptAnalyzer final : public Analyzer {
 public:
  // `factory` makes the speech engine (PocketSphinx unless another is given), loaded for this analyzer.
  explicit TranscriptAnalyzer(TranscriptEngineFactory factory = pocketsphinx_engine_factory()) : transcriber_(std::move(factory)) {}
  // Shares `recognizer` (engine and decoded words) with the other speech analyzers of the run.
  explicit TranscriptAnalyzer(std::shared_ptr<SharedSpeechRecognizer> recognizer) : transcriber_(std::move(recognizer)) {}

  std::string name() const override { return "transcript"; }
  std::string description() const override;
  AnalyzerNeeds needs(const AnalyzerContext& context) const override;
  void begin(const AnalyzerContext& context) override;
  void process(const SegmentInput& input) override;
  nlohmann::json finish() override;

 private:
  void record(const TranscribedUtterance& utterance);

  TranscriberConfig config_;
  bool video_has_audio_ = false;
  std::string skip_reason_;
  SpeechTranscriber transcriber_;
  nlohmann::json words_ = nlohmann::json::array();
  nlohmann::json utterances_ = nlohmann::json::array();
};

// Joins recognized words with single spaces.
std::string join_words(const std::vector<RecognizedWord>& words);
nlohmann::json recognized_word_to_json(const RecognizedWord& word);

}  // namespace vidscope::analyzers
