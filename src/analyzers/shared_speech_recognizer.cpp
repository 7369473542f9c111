#include "analyzers/shared_speech_recognizer.h"

#include <fmt/format.h>

#include "analyzers/content_hash.h"
#include "base/error.h"

namespace vidscope::analyzers {
namespace {

std::string model_key(const TranscriberConfig& config) {
  return config.engine + '\n' + config.model.acoustic_model_dir + '\n' + config.model.language_model + '\n' +
         config.model.dictionary;
}

}  // namespace

struct SharedSpeechRecognizer::LoadedEngine {
  std::unique_ptr<TranscriptEngine> engine;  // null when loading failed
  std::string error;
  std::mutex decode;                         // engines are not thread-safe
};

SharedSpeechRecognizer::SharedSpeechRecognizer(TranscriptEngineFactory factory) : factory_(std::move(factory)) {}
SharedSpeechRecognizer::~SharedSpeechRecognizer() = default;

std::string SharedSpeechRecognizer::load(const TranscriberConfig& config) {
  // Loading takes seconds; holding the lock makes a second analyzer wait for the first one's load
  // instead of loading the same model again.
  std::lock_guard lock(mutex_);
  auto& slot = engines_[model_key(config)];
  if (!slot) {
    slot = std::make_unique<LoadedEngine>();
    try {
      slot->engine = factory_(config);
    } catch (const Error& error) {
      slot->error = error.what();
    }
  }
  return slot->engine ? "" : slot->error;
}

const TranscriptEngine* SharedSpeechRecognizer::engine(const TranscriberConfig& config) const {
  std::lock_guard lock(mutex_);
  const auto it = engines_.find(model_key(config));
  return it == engines_.end() ? nullptr : it->second->engine.get();
}

std::shared_future<std::vector<RecognizedWord>> SharedSpeechRecognizer::words(const TranscriberConfig& config,
                                                                              const Utterance& utterance) {
  const std::string engine_key = model_key(config);
  const std::string key = fmt::format("{}\n{:.6f}\n{}\n{:016x}", engine_key, utterance.start_s, utterance.audio.size(),
                                      content_hash(std::as_bytes(std::span<const float>(utterance.audio))));
  std::promise<std::vector<RecognizedWord>> promise;
  const std::shared_future<std::vector<RecognizedWord>> result = promise.get_future().share();
  LoadedEngine* loaded = nullptr;
  {
    std::lock_guard lock(mutex_);
    if (const auto it = results_.find(key); it != results_.end()) return it->second;
    const auto engine = engines_.find(engine_key);
    if (engine == engines_.end() || !engine->second->engine) {
      throw_internal_error("speech recognizer: words() called for a model that is not loaded");
    }
    loaded = engine->second.get();
    results_.emplace(key, result);
    result_order_.push_back(key);
    if (result_order_.size() > kRememberedUtterances) {
      results_.erase(result_order_.front());
      result_order_.pop_front();
    }
  }
  try {
    std::lock_guard decode(loaded->decode);
    promise.set_value(loaded->engine->transcribe(utterance.audio, utterance.start_s));
  } catch (...) {
    promise.set_exception(std::current_exception());
  }
  return result;
}

}  // namespace vidscope::analyzers
