#include "analyzers/transcript.h"

#include <fstream>

#include <gtest/gtest.h>

#include "analyzers/audio_test_support.h"
#include "analyzers/scripted_transcript_engine.h"
#include "base/error.h"

namespace vidscope::analyzers {
namespace {

using namespace testing;

bool model_installed() { return missing_pocketsphinx_model_reason(default_pocketsphinx_model()).empty(); }

std::string librivox(const std::string& id) {
  return audio_data_path("pocketsphinx-testdata/sense_and_sensibility_01_austen_64kb-" + id + ".wav");
}

TEST(Transcript, LibrivoxReadingsAreTranscribedWithLowWordErrorRate) {
  if (!model_installed()) GTEST_SKIP() << "pocketsphinx-en-us is not installed";
  TranscriptAnalyzer analyzer;
  const auto a = run_on_audio(analyzer, read_wav_16k(librivox("0880")));
  const auto b = run_on_audio(analyzer, read_wav_16k(librivox("0930")));
  ASSERT_EQ(a.at("status"), "ok");
  // Transcripts from pocketsphinx-testdata's librivox/transcription.
  const std::string reference = "he was not an ill disposed young man he might even have been made amiable himself";
  const std::string hypothesis = a.at("text").get<std::string>() + " " + b.at("text").get<std::string>();
  const double wer = word_error_rate(reference, hypothesis);
  // Measured 0.25 (4 errors in 16 words: "an ill disposed" -> "no exposed", an inserted "the"); over all
  // five clips of the package 0.30 (docs/analyzers.md). Decoding is deterministic; the bound 0.45 leaves
  // room for another resampler or PocketSphinx build changing a word or two, and still fails a broken
  // front end (wrong sample rate or scaling gives WER near 1).
  EXPECT_LT(wer, 0.45) << hypothesis;
  std::cout << "[ measured ] librivox 0880+0930 WER " << wer << ": " << hypothesis << "\n";
}

TEST(Transcript, WordsHaveOrderedTimesInsideTheClipAndConfidences) {
  if (!model_installed()) GTEST_SKIP() << "pocketsphinx-en-us is not installed";
  TranscriptAnalyzer analyzer;
  const auto result = run_on_audio(analyzer, read_wav_16k(librivox("0930")));
  const auto& words = result.at("words");
  ASSERT_GE(words.size(), 6u) << result.dump(1);
  double previous_end = 0;
  for (const auto& word : words) {
    const double start = word.at("start_s"), end = word.at("end_s");
    EXPECT_LT(start, end);
    EXPECT_GE(start, previous_end - 1e-9);  // no overlap, time order
    EXPECT_LE(end, 3.29 + 1e-9);            // the clip is 3.29 s long
    previous_end = end;
    if (word.at("confidence").is_number()) {
      EXPECT_GE(word.at("confidence").get<double>(), 0.0);
      EXPECT_LE(word.at("confidence").get<double>(), 1.0);
    }
  }
  EXPECT_EQ(result.at("engine").at("engine"), "pocketsphinx");
}

TEST(Transcript, EspeakSpeechIsCutIntoItsTwoSentences) {
  if (!model_installed()) GTEST_SKIP() << "pocketsphinx-en-us is not installed";
  std::ifstream truth_file(generated_path("speech.truth.json"));
  const auto truth = nlohmann::json::parse(truth_file);
  TranscriptAnalyzer analyzer;
  const auto result = run_on_audio(analyzer, read_wav_16k(generated_path("speech.wav")));
  ASSERT_EQ(result.at("status"), "ok");
  // One utterance per sentence, each the sentence widened by the 0.25 s padding.
  const auto& utterances = result.at("utterances");
  ASSERT_EQ(utterances.size(), 2u) << result.dump(1);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_NEAR(utterances[i].at("start_s").get<double>(), truth.at("speech")[i].at("start_s").get<double>() - 0.25, 0.3);
    EXPECT_NEAR(utterances[i].at("end_s").get<double>(), truth.at("speech")[i].at("end_s").get<double>() + 0.25, 0.3);
  }
  // PocketSphinx's en-us model does not understand espeak-ng's formant voice (measured WER 0.94 here,
  // docs/analyzers.md); that is recorded, not asserted.
  const std::string reference = truth.at("speech")[0].at("text").get<std::string>() + " " +
                                truth.at("speech")[1].at("text").get<std::string>();
  std::cout << "[ measured ] espeak-ng speech WER " << word_error_rate(reference, result.at("text")) << ": "
            << result.at("text").get<std::string>() << "\n";
}

TEST(Transcript, MissingModelIsSkippedWithTheReason) {
  TranscriptAnalyzer analyzer;
  const std::string missing = audio_data_path("no-such-model");
  const auto result = run_on_audio(analyzer, sine(1.0, 0.1, 440.0), 2.0, 0.0, {{"acoustic_model", missing}});
  EXPECT_EQ(result.at("status"), "skipped");
  EXPECT_NE(result.at("reason").get<std::string>().find(missing), std::string::npos) << result.dump();
  EXPECT_EQ(result.size(), 2u);  // no words, no fake results
}

TEST(Transcript, EngineIsReplaceableWithoutChangingTheOutput) {
  TranscriptAnalyzer analyzer(scripted_engine_factory({"the quick brown fox", "please subscribe"}));
  const auto result = run_on_audio(analyzer, read_wav_16k(generated_path("speech.wav")));
  ASSERT_EQ(result.at("status"), "ok");
  EXPECT_EQ(result.at("text"), "the quick brown fox please subscribe");
  ASSERT_EQ(result.at("words").size(), 6u);
  EXPECT_EQ(result.at("words")[4].at("word"), "please");
  // The second utterance starts at the second sentence (5.362 s) minus the padding.
  EXPECT_NEAR(result.at("words")[4].at("start_s").get<double>(), 5.362 - 0.25, 0.3);
  EXPECT_EQ(result.at("engine").at("engine"), "scripted");
}

TEST(Transcript, LongSpeechIsCutIntoBoundedUtterances) {
  // 30 s of continuous read speech with max_utterance_s 5: no utterance longer than 5 s + padding.
  TranscriptAnalyzer analyzer(scripted_engine_factory({}));
  const auto result = run_on_audio(analyzer, read_wav_16k(audio_data_path("asterisk-core-sounds-en/demo-congrats.wav")), 2.0,
                                   0.0, {{"max_utterance_s", 5}});
  ASSERT_GE(result.at("utterances").size(), 6u);
  for (const auto& utterance : result.at("utterances")) {
    EXPECT_LE(utterance.at("end_s").get<double>() - utterance.at("start_s").get<double>(), 5.0 + 0.25 + 0.02);
  }
}

TEST(Transcript, SettingsAreChecked) {
  TranscriptAnalyzer analyzer(scripted_engine_factory({}));
  EXPECT_THROW(analyzer.begin(context_with_audio({{"model", "x"}})), Error);
  EXPECT_THROW(analyzer.begin(context_with_audio({{"engine", "whisper"}})), Error);
  EXPECT_NO_THROW(analyzer.begin(context_with_audio({{"max_utterance_s", 10}})));
}

TEST(WordErrorRate, CountsSubstitutionsInsertionsAndDeletions) {
  EXPECT_DOUBLE_EQ(word_error_rate("a b c d", "a b c d"), 0.0);
  EXPECT_DOUBLE_EQ(word_error_rate("a b c d", "a x c"), 0.5);       // one substitution, one deletion
  EXPECT_DOUBLE_EQ(word_error_rate("A, b.", "a b extra"), 0.5);     // one insertion
}

}  // namespace
}  // namespace vidscope::analyzers
