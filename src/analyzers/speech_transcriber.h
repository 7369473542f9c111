#pragma once
// Speech to timed words for the transcript and call_to_action analyzers: the engine (transcript_engine.h)
// chosen by settings, fed one utterance at a time by an UtteranceCutter. Each analyzer owns its own
// SpeechTranscriber (analyzers are independent), so each holds its own loaded engine.
//
// A missing model is not an error: start() returns the reason and the analyzer reports
// {"status": "skipped", "reason": ...}. Not thread-safe; one instance per analyzer.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analyzers/pocketsphinx_engine.h"
#include "analyzers/transcript_engine.h"
#include "analyzers/utterance_cutter.h"
#include "media/segment.h"

namespace vidscope::analyzers {

class SettingsReader;

struct TranscriberConfig {
  std::string engine = "pocketsphinx";
  PocketSphinxModel model = default_pocketsphinx_model();
  UtteranceParams utterances;
};

// Reads engine, acoustic_model, language_model, dictionary, utterance_padding_ms, max_utterance_s and
// the vad_* keys. Throws Error(kUsage) for bad values.
TranscriberConfig read_transcriber_settings(SettingsReader& reader);
nlohmann::json transcriber_params_to_json(const TranscriberConfig& config);

// Creates the engine for a configuration. Throws Error(kInput) with a readable reason when the model is
// missing or unusable. This is the seam where another engine (or a scripted one in tests) plugs in.
using TranscriptEngineFactory = std::function<std::unique_ptr<TranscriptEngine>(const TranscriberConfig&)>;
TranscriptEngineFactory pocketsphinx_engine_factory();

struct TranscribedUtterance {
  double start_s = 0;
  double end_s = 0;
  std::vector<RecognizedWord> words;
};

class SpeechTranscriber {
 public:
  using Sink = std::function<void(TranscribedUtterance&&)>;

  explicit SpeechTranscriber(TranscriptEngineFactory factory = pocketsphinx_engine_factory()) : factory_(std::move(factory)) {}

  // Prepares for a new video: loads the engine unless one is loaded for the same configuration.
  // Returns "" when ready, otherwise why transcription is skipped (model missing or rejected).
  std::string start(const TranscriberConfig& config);

  // Feeds the segment's new audio; decodes every utterance it completes and hands the result to `sink`.
  void add(const media::Segment& segment, const Sink& sink);
  // Decodes what is left at the end of the video.
  void finish(const Sink& sink);

  // The loaded engine, or nullptr.
  const TranscriptEngine* engine() const { return engine_.get(); }

 private:
  void decode(Utterance&& utterance, const Sink& sink);

  TranscriptEngineFactory factory_;
  TranscriberConfig config_;
  std::optional<TranscriberConfig> loaded_for_;
  std::unique_ptr<TranscriptEngine> engine_;
  std::optional<UtteranceCutter> cutter_;
};

}  // namespace vidscope::analyzers
