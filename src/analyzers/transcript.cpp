#include "analyzers/transcript.h"

#include "analyzers/settings_reader.h"

namespace vidscope::analyzers {
namespace {

constexpr char kName[] = "transcript";

}  // namespace

TranscriberConfig parse_transcript_settings(const nlohmann::json& settings) {
  SettingsReader reader(kName, settings);
  TranscriberConfig config = read_transcriber_settings(reader);
  reader.reject_unknown_keys();
  return config;
}

std::string join_words(const std::vector<RecognizedWord>& words) {
  std::string text;
  for (const RecognizedWord& word : words) {
    if (!text.empty()) text += ' ';
    text += word.word;
  }
  return text;
}

nlohmann::json recognized_word_to_json(const RecognizedWord& word) {
  return {{"word", word.word},
          {"start_s", word.start_s},
          {"end_s", word.end_s},
          {"confidence", word.confidence ? nlohmann::json(*word.confidence) : nlohmann::json()}};
}

std::string TranscriptAnalyzer::description() const {
  return "speech to text with word times and confidences (PocketSphinx en-US, decoded per utterance)";
}

AnalyzerNeeds TranscriptAnalyzer::needs(const AnalyzerContext& context) const {
  const TranscriberConfig config = parse_transcript_settings(context.settings);
  AnalyzerNeeds needs;
  needs.audio = context.video.has_audio();
  needs.model = "speech_to_text";
  // Measured: the en-us model set resident after loading (~100 MiB RSS growth, mostly the trigram LM and
  // the dictionary), plus one utterance of at most max_utterance_s as float and int16 and the decoder's
  // lattice for it (a few MiB at 20 s).
  const auto utterance_bytes = static_cast<Bytes>(config.utterances.max_utterance_s * media::kAudioSampleRate * 6);
  needs.resources.ram_bytes = 110 * kMiB + utterance_bytes;
  needs.resources.threads = 1;
  return needs;
}

void TranscriptAnalyzer::begin(const AnalyzerContext& context) {
  config_ = parse_transcript_settings(context.settings);
  video_has_audio_ = context.video.has_audio();
  words_ = nlohmann::json::array();
  utterances_ = nlohmann::json::array();
  skip_reason_ = video_has_audio_ ? transcriber_.start(config_) : "";
}

void TranscriptAnalyzer::record(const TranscribedUtterance& utterance) {
  for (const RecognizedWord& word : utterance.words) words_.push_back(recognized_word_to_json(word));
  utterances_.push_back({{"start_s", utterance.start_s}, {"end_s", utterance.end_s}, {"text", join_words(utterance.words)}});
}

void TranscriptAnalyzer::process(const SegmentInput& input) {
  if (!video_has_audio_ || !skip_reason_.empty()) return;
  transcriber_.add(input.segment, [this](TranscribedUtterance&& utterance) { record(utterance); });
}

nlohmann::json TranscriptAnalyzer::finish() {
  if (!video_has_audio_) return {{"status", "ok"}, {"has_audio", false}};
  if (!skip_reason_.empty()) return {{"status", "skipped"}, {"reason", skip_reason_}};
  transcriber_.finish([this](TranscribedUtterance&& utterance) { record(utterance); });
  std::string text;
  for (const auto& utterance : utterances_) {
    const auto& piece = utterance.at("text").get_ref<const std::string&>();
    if (piece.empty()) continue;
    if (!text.empty()) text += ' ';
    text += piece;
  }
  nlohmann::json result = {{"status", "ok"},
                           {"has_audio", true},
                           {"text", text},
                           {"words", words_},
                           {"utterances", utterances_},
                           {"params", transcriber_params_to_json(config_)}};
  if (const TranscriptEngine* engine = transcriber_.engine()) result["engine"] = engine->describe();
  return result;
}

}  // namespace vidscope::analyzers
