#include "analyzers/speech_transcriber.h"

#include "analyzers/settings_reader.h"
#include "base/error.h"

namespace vidscope::analyzers {
namespace {

bool same_model(const TranscriberConfig& a, const TranscriberConfig& b) {
  return a.engine == b.engine && a.model.acoustic_model_dir == b.model.acoustic_model_dir &&
         a.model.language_model == b.model.language_model && a.model.dictionary == b.model.dictionary;
}

}  // namespace

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

std::string SpeechTranscriber::start(const TranscriberConfig& config) {
  config_ = config;
  cutter_.reset();
  if (engine_ && loaded_for_ && same_model(*loaded_for_, config)) return "";
  engine_.reset();
  loaded_for_.reset();
  try {
    engine_ = factory_(config);
  } catch (const Error& error) {
    return error.what();
  }
  loaded_for_ = config;
  return "";
}

void SpeechTranscriber::add(const media::Segment& segment, const Sink& sink) {
  if (!engine_) return;
  if (!cutter_) cutter_.emplace(config_.utterances, fresh_audio_start_s(segment));
  cutter_->add(segment.new_audio(), [&](Utterance&& utterance) { decode(std::move(utterance), sink); });
}

void SpeechTranscriber::finish(const Sink& sink) {
  if (!engine_ || !cutter_) return;
  cutter_->finish([&](Utterance&& utterance) { decode(std::move(utterance), sink); });
  cutter_.reset();
}

void SpeechTranscriber::decode(Utterance&& utterance, const Sink& sink) {
  TranscribedUtterance out;
  out.start_s = utterance.start_s;
  out.end_s = utterance.end_s();
  out.words = engine_->transcribe(utterance.audio, utterance.start_s);
  sink(std::move(out));
}

}  // namespace vidscope::analyzers
