#include "analyzers/speech_transcriber.h"

#include <chrono>

#include "analyzers/settings_reader.h"
#include "analyzers/shared_speech_recognizer.h"
#include "base/error.h"

namespace vidscope::analyzers {

TranscriberConfig read_transcriber_settings(SettingsReader& reader) {
  TranscriberConfig config;
  config.engine = reader.choice("engine", config.engine, {"pocketsphinx"});
  config.model.acoustic_model_dir = reader.text("acoustic_model", config.model.acoustic_model_dir);
  config.model.language_model = reader.text("language_model", config.model.language_model);
  config.model.dictionary = reader.text("dictionary", config.model.dictionary);
  config.utterances.vad = read_voice_activity_params(reader);
  config.utterances.padding_s = reader.number("utterance_padding_ms", config.utterances.padding_s * 1000, 0, 1000) / 1000;
  config.utterances.max_utterance_s = reader.number("max_utterance_s", config.utterances.max_utterance_s, 2, 60);
  return config;
}

nlohmann::json transcriber_params_to_json(const TranscriberConfig& config) {
  nlohmann::json params = voice_activity_params_to_json(config.utterances.vad);
  params["engine"] = config.engine;
  params["utterance_padding_ms"] = config.utterances.padding_s * 1000;
  params["max_utterance_s"] = config.utterances.max_utterance_s;
  return params;
}

TranscriptEngineFactory pocketsphinx_engine_factory() {
  return [](const TranscriberConfig& config) { return create_pocketsphinx_engine(config.model); };
}

SpeechTranscriber::SpeechTranscriber(TranscriptEngineFactory factory)
    : recognizer_(std::make_shared<SharedSpeechRecognizer>(std::move(factory))) {}
SpeechTranscriber::SpeechTranscriber(std::shared_ptr<SharedSpeechRecognizer> recognizer) : recognizer_(std::move(recognizer)) {
  if (!recognizer_) throw_internal_error("SpeechTranscriber needs a speech recognizer");
}
SpeechTranscriber::~SpeechTranscriber() = default;

std::string SpeechTranscriber::start(const TranscriberConfig& config) {
  config_ = config;
  cutter_.reset();
  pending_.clear();
  const std::string reason = recognizer_->load(config);
  ready_ = reason.empty();
  return reason;
}

const TranscriptEngine* SpeechTranscriber::engine() const { return ready_ ? recognizer_->engine(config_) : nullptr; }

void SpeechTranscriber::add(const media::Segment& segment, const Sink& sink) {
  if (!ready_) return;
  if (!cutter_) cutter_.emplace(config_.utterances, fresh_audio_start_s(segment));
  cutter_->add(segment.new_audio(), [&](Utterance&& utterance) { decode(std::move(utterance)); });
  deliver(sink, /*wait=*/false);
}

void SpeechTranscriber::finish(const Sink& sink) {
  if (!ready_ || !cutter_) return;
  cutter_->finish([&](Utterance&& utterance) { decode(std::move(utterance)); });
  cutter_.reset();
  deliver(sink, /*wait=*/true);
}

void SpeechTranscriber::decode(Utterance&& utterance) {
  pending_.push_back({utterance.start_s, utterance.end_s(), recognizer_->words(config_, utterance)});
}

void SpeechTranscriber::deliver(const Sink& sink, bool wait) {
  while (!pending_.empty()) {
    Pending& next = pending_.front();
    if (!wait && next.words.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
    TranscribedUtterance out;
    out.start_s = next.start_s;
    out.end_s = next.end_s;
    out.words = next.words.get();  // rethrows the engine's error
    pending_.pop_front();
    sink(std::move(out));
  }
}

}  // namespace vidscope::analyzers
