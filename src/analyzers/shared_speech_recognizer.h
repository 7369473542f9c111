#pragma once
// One speech engine per model and the words it recognized, shared by the analyzers of a run that
// transcribe the same audio (transcript and call_to_action): the model is loaded once and each
// utterance is decoded once, by whichever analyzer reaches it first; the other takes the words.
//
// Utterances are identified by their content (model, start time, samples), not by who cut them, so
// sharing is always safe: analyzers with different VAD settings simply decode their own utterances.
// The last kRememberedUtterances results are kept (words only, a few KB), enough for analyzers that
// are at most a few segments apart; one that lags further decodes again, which costs time, not
// correctness.
//
// Thread-safe. The engine itself is used by one thread at a time (an engine mutex).
#include <cstdint>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "analyzers/speech_transcriber.h"
#include "analyzers/utterance_cutter.h"

namespace vidscope::analyzers {

class SharedSpeechRecognizer {
 public:
  static constexpr size_t kRememberedUtterances = 64;

  explicit SharedSpeechRecognizer(TranscriptEngineFactory factory = pocketsphinx_engine_factory());
  ~SharedSpeechRecognizer();
  SharedSpeechRecognizer(const SharedSpeechRecognizer&) = delete;
  SharedSpeechRecognizer& operator=(const SharedSpeechRecognizer&) = delete;

  // Loads the engine for `config`'s model unless it is loaded. Returns "" when ready, otherwise why
  // transcription is skipped (model missing or rejected; the answer is remembered per model).
  std::string load(const TranscriberConfig& config);
  // The engine loaded for `config`'s model, or nullptr.
  const TranscriptEngine* engine(const TranscriberConfig& config) const;

  // The words of `utterance`. When nobody has asked for this utterance yet, the calling thread decodes
  // it before returning (an engine error is stored and rethrown by get()); when another analyzer is
  // decoding it, the future becomes ready when that decode ends. load() must have succeeded.
  std::shared_future<std::vector<RecognizedWord>> words(const TranscriberConfig& config, const Utterance& utterance);

 private:
  struct LoadedEngine;

  TranscriptEngineFactory factory_;
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<LoadedEngine>> engines_;  // by model key
  std::map<std::string, std::shared_future<std::vector<RecognizedWord>>> results_;  // by utterance key
  std::deque<std::string> result_order_;  // oldest first, for forgetting
};

}  // namespace vidscope::analyzers
