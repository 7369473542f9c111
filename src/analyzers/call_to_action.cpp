#include "analyzers/call_to_action.h"

#include "analyzers/settings_reader.h"

namespace vidscope::analyzers {
namespace {

constexpr char kName[] = "call_to_action";

}  // namespace

CallToActionConfig parse_call_to_action_settings(const nlohmann::json& settings) {
  SettingsReader reader(kName, settings);
  CallToActionConfig config;
  config.transcriber = read_transcriber_settings(reader);
  config.phrases_file = reader.text("phrases_file", "");
  reader.reject_unknown_keys();
  return config;
}

std::string CallToActionAnalyzer::description() const {
  return "call-to-action phrases in speech (link in bio, follow, subscribe, use code, % off...) with times";
}

AnalyzerNeeds CallToActionAnalyzer::needs(const AnalyzerContext& context) const {
  const CallToActionConfig config = parse_call_to_action_settings(context.settings);
  AnalyzerNeeds needs;
  needs.audio = context.video.has_audio();
  needs.model = "speech_to_text";
  // The same engine and utterance buffer as transcript (see transcript.cpp), plus the phrase list.
  const auto utterance_bytes = static_cast<Bytes>(config.transcriber.utterances.max_utterance_s * media::kAudioSampleRate * 6);
  needs.resources.ram_bytes = 110 * kMiB + utterance_bytes;
  needs.resources.threads = 1;
  return needs;
}

void CallToActionAnalyzer::begin(const AnalyzerContext& context) {
  config_ = parse_call_to_action_settings(context.settings);
  // A bad phrases file is the user's input: Error(kInput) naming it, before any audio is read.
  phrases_ = config_.phrases_file.empty() ? builtin_cta_phrases() : load_cta_phrase_list(config_.phrases_file);
  video_has_audio_ = context.video.has_audio();
  matches_ = nlohmann::json::array();
  skip_reason_ = video_has_audio_ ? transcriber_.start(config_.transcriber) : "";
}

void CallToActionAnalyzer::search(const TranscribedUtterance& utterance) {
  std::vector<TimedWord> words;
  words.reserve(utterance.words.size());
  for (const RecognizedWord& word : utterance.words) words.push_back({word.word, word.start_s, word.end_s});
  for (const CtaMatch& match : find_cta_phrases(words, phrases_)) matches_.push_back(cta_match_to_json(match, "speech"));
}

void CallToActionAnalyzer::process(const SegmentInput& input) {
  if (!video_has_audio_ || !skip_reason_.empty()) return;
  transcriber_.add(input.segment, [this](TranscribedUtterance&& utterance) { search(utterance); });
}

nlohmann::json CallToActionAnalyzer::finish() {
  const nlohmann::json phrase_list = {{"source", config_.phrases_file.empty() ? "built-in" : config_.phrases_file},
                                      {"version", phrases_.version},
                                      {"phrases", phrases_.phrases.size()}};
  const char* on_screen = "reported by text_overlay (field cta)";
  if (!video_has_audio_) {
    return {{"status", "ok"}, {"has_audio", false}, {"matches", nlohmann::json::array()}, {"on_screen", on_screen}};
  }
  if (!skip_reason_.empty()) return {{"status", "skipped"}, {"reason", skip_reason_}, {"on_screen", on_screen}};
  transcriber_.finish([this](TranscribedUtterance&& utterance) { search(utterance); });
  nlohmann::json categories = nlohmann::json::object();
  for (const auto& match : matches_) {
    const std::string category = match.at("category").get<std::string>();
    categories[category] = categories.value(category, 0) + 1;
  }
  return {{"status", "ok"},          {"has_audio", true},          {"matches", matches_},
          {"categories", categories}, {"phrase_list", phrase_list}, {"on_screen", on_screen},
          {"params", transcriber_params_to_json(config_.transcriber)}};
}

}  // namespace vidscope::analyzers
