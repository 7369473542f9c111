#include "analyzers/call_to_action.h"

#include <fstream>

#include <gtest/gtest.h>

#include "analyzers/audio_test_support.h"
#include "analyzers/scripted_transcript_engine.h"
#include "analyzers/shared_speech_recognizer.h"
#include "analyzers/transcript.h"
#include "base/error.h"

namespace vidscope::analyzers {
namespace {

using namespace testing;

TEST(CallToAction, SpokenPhrasesAreFoundWithTimes) {
  std::ifstream truth_file(generated_path("cta_speech.truth.json"));
  const auto truth = nlohmann::json::parse(truth_file);
  const auto& spoken = truth.at("speech")[0];
  // The engine seam: the words of the espeak-ng sentence, timed over the utterance the VAD cut.
  CallToActionAnalyzer analyzer(scripted_engine_factory({spoken.at("text").get<std::string>()}));
  const auto result = run_on_audio(analyzer, read_wav_16k(generated_path("cta_speech.wav")));
  ASSERT_EQ(result.at("status"), "ok") << result.dump(1);
  const auto& matches = result.at("matches");
  ASSERT_EQ(matches.size(), 2u) << result.dump(1);
  EXPECT_EQ(matches[0].at("id"), "follow");
  EXPECT_EQ(matches[1].at("id"), "link_in_bio");
  for (const auto& match : matches) {
    EXPECT_EQ(match.at("source"), "speech");
    // Inside the sentence (0.5 s to its end), widened by the 0.25 s utterance padding.
    EXPECT_GE(match.at("start_s").get<double>(), spoken.at("start_s").get<double>() - 0.3);
    EXPECT_LE(match.at("end_s").get<double>(), spoken.at("end_s").get<double>() + 0.3);
  }
  EXPECT_LT(matches[0].at("end_s").get<double>(), matches[1].at("start_s").get<double>());
  EXPECT_EQ(result.at("categories"), nlohmann::json({{"follow", 1}, {"link", 1}}));
}

TEST(CallToAction, MissingModelIsSkippedWithTheReason) {
  CallToActionAnalyzer analyzer;
  const auto result = run_on_audio(analyzer, sine(1.0, 0.1, 440.0), 2.0, 0.0, {{"dictionary", audio_data_path("none.dict")}});
  EXPECT_EQ(result.at("status"), "skipped");
  EXPECT_FALSE(result.at("reason").get<std::string>().empty());
  EXPECT_FALSE(result.contains("matches"));
}

TEST(CallToAction, PhraseListFileIsUsedAndCheckedUpFront) {
  const std::string custom = std::string(VIDSCOPE_BINARY_DIR) + "/cta_custom_phrases.json";
  {
    std::ofstream out(custom);
    out << R"({"version": 7, "phrases": [{"id": "fox", "category": "animal", "patterns": ["brown fox"]}]})";
  }
  CallToActionAnalyzer analyzer(scripted_engine_factory({"the quick brown fox", "follow for more"}));
  const auto result = run_on_audio(analyzer, read_wav_16k(generated_path("speech.wav")), 2.0, 0.0, {{"phrases_file", custom}});
  ASSERT_EQ(result.at("matches").size(), 1u) << result.dump(1);
  EXPECT_EQ(result.at("matches")[0].at("id"), "fox");
  EXPECT_EQ(result.at("phrase_list").at("version"), 7);
  EXPECT_THROW(analyzer.begin(context_with_audio({{"phrases_file", audio_data_path("missing.json")}})), Error);
}

TEST(CallToAction, SharesOneEngineAndOneDecodePerUtteranceWithTranscript) {
  // speech.wav holds two sentences, so the VAD cuts two utterances: with a shared recognizer the
  // engine is created once and decodes each utterance once, and both analyzers see the same words.
  int engines_made = 0;
  const auto factory = scripted_engine_factory({"the quick brown fox", "follow for more"});
  auto recognizer = std::make_shared<SharedSpeechRecognizer>([&](const TranscriberConfig& config) {
    ++engines_made;
    return factory(config);
  });
  TranscriptAnalyzer transcript(recognizer);
  CallToActionAnalyzer cta(recognizer);
  const std::vector<float> audio = read_wav_16k(generated_path("speech.wav"));
  const auto words = run_on_audio(transcript, audio);
  const auto matches = run_on_audio(cta, audio);
  EXPECT_EQ(engines_made, 1);
  // A scripted engine returns its next sentence per decode; a second decode of either utterance would
  // have yielded nothing (the script has two sentences), so "follow" proves the words were shared.
  EXPECT_EQ(words.at("text"), "the quick brown fox follow for more");
  ASSERT_EQ(matches.at("matches").size(), 1u) << matches.dump(1);
  EXPECT_EQ(matches.at("matches")[0].at("id"), "follow");
  EXPECT_DOUBLE_EQ(matches.at("matches")[0].at("start_s").get<double>(), words.at("words")[4].at("start_s").get<double>());
}

}  // namespace
}  // namespace vidscope::analyzers
