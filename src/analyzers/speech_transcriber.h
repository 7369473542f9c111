#pragma once
// Speech to timed words for the transcript and call_to_action analyzers: the engine (transcript_engine.h)
// chosen by settings, fed one utterance at a time by an UtteranceCutter. Each analyzer owns its own
// SpeechTranscriber (its own VAD and cutting state); the engine and the decoded words come from a
// SharedSpeechRecognizer (shared_speech_recognizer.h), which analyzers of one run share so that the
// model is loaded and each utterance decoded once.
//
// Utterances are handed to the sink in time order. One that another analyzer is still decoding is
// held back (not waited for) until a later add() finds it decoded, or finish() waits for it, so an
// analyzer never sits idle on a thread slot while another one decodes.
//
// A missing model is not an error: start() returns the reason and the analyzer reports
// {"status": "skipped", "reason": ...}. Not thread-safe; one instance per analyzer.
#include <deque>
#include <functional>
#include <future>
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
class SharedSpeechRecognizer;

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

  // A recognizer of its own, with the engine `factory` makes.
  explicit SpeechTranscriber(TranscriptEngineFactory factory = pocketsphinx_engine_factory());
  // Shares `recognizer` (its engine and decoded words) with other transcribers.
  explicit SpeechTranscriber(std::shared_ptr<SharedSpeechRecognizer> recognizer);
  ~SpeechTranscriber();

  // Prepares for a new video: loads the engine unless one is loaded for the same configuration.
  // Returns "" when ready, otherwise why transcription is skipped (model missing or rejected).
  std::string start(const TranscriberConfig& config);

  // Feeds the segment's new audio; hands every utterance it completes to `sink` once decoded.
  void add(const media::Segment& segment, const Sink& sink);
  // Decodes what is left at the end of the video and hands over everything still held back.
  void finish(const Sink& sink);

  // The loaded engine, or nullptr.
  const TranscriptEngine* engine() const;

 private:
  struct Pending {
    double start_s = 0;
    double end_s = 0;
    std::shared_future<std::vector<RecognizedWord>> words;
  };

  void decode(Utterance&& utterance);
  void deliver(const Sink& sink, bool wait);

  std::shared_ptr<SharedSpeechRecognizer> recognizer_;
  TranscriberConfig config_;
  bool ready_ = false;
  std::optional<UtteranceCutter> cutter_;
  std::deque<Pending> pending_;
};

}  // namespace vidscope::analyzers
