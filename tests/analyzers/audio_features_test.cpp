#include "analyzers/audio_features.h"

#include <gtest/gtest.h>

#include "analyzers/audio_test_support.h"
#include "base/error.h"

namespace vidscope::analyzers {
namespace {

using namespace testing;

std::map<std::string, int> class_counts(const nlohmann::json& result) {
  std::map<std::string, int> counts;
  for (const auto& segment : result.at("segments")) {
    if (segment.at("class").is_string()) ++counts[segment.at("class").get<std::string>()];
  }
  return counts;
}

TEST(AudioFeatures, ClickTrackAt120BpmHasTempo120) {
  AudioFeaturesAnalyzer analyzer;
  const auto result = run_on_audio(analyzer, click_track(12.0, 120.0));
  // +-3 BPM: the brief's tolerance; aubio's beat period is quantised to 16 ms hops (120 BPM = 31.25
  // hops), measured 121.3.
  ASSERT_TRUE(result.at("tempo").at("bpm").is_number()) << result.at("tempo").dump();
  EXPECT_NEAR(result.at("tempo").at("bpm").get<double>(), 120.0, 3.0);
  // 23 clicks at 0.5, 1.0, ... 11.5 s, each an onset (aubio also marks the stream's first hop).
  const auto& onsets = result.at("onsets");
  EXPECT_GE(onsets.size(), 23u);
  EXPECT_LE(onsets.size(), 24u);
  EXPECT_EQ(class_counts(result), (std::map<std::string, int>{{"music", 6}}));
}

TEST(AudioFeatures, SineHasItsFrequencyAsCentroidAndNoTempo) {
  AudioFeaturesAnalyzer analyzer;
  const auto result = run_on_audio(analyzer, sine(6.0, 0.3, 440.0));
  const auto& summary = result.at("summary");
  // One 440 Hz line: the centroid is the line (Hann leakage is symmetric); rolloff the next bins.
  EXPECT_NEAR(summary.at("centroid_hz").get<double>(), 440.0, 5.0);
  EXPECT_NEAR(summary.at("rolloff_hz").get<double>(), 440.0, 2 * 31.25);
  EXPECT_LT(summary.at("flatness").get<double>(), 0.01);
  // 880 sign changes per second at 16 kHz.
  EXPECT_NEAR(summary.at("zero_crossing_rate").get<double>(), 880.0 / kRate, 0.002);
  EXPECT_TRUE(result.at("tempo").at("bpm").is_null());
  // A steady tone counts as music by the rule (no pauses, tonal).
  EXPECT_EQ(class_counts(result), (std::map<std::string, int>{{"music", 3}}));
}

TEST(AudioFeatures, WhiteNoiseIsFlatAndNotSpeechOrMusic) {
  AudioFeaturesAnalyzer analyzer;
  const auto result = run_on_audio(analyzer, noise(6.0, 0.02));
  // White noise: flatness of a periodogram is ~0.56 (exp(-gamma)), centroid near 4 kHz.
  EXPECT_NEAR(result.at("summary").at("flatness").get<double>(), 0.56, 0.05);
  EXPECT_NEAR(result.at("summary").at("centroid_hz").get<double>(), 4000.0, 200.0);
  EXPECT_EQ(class_counts(result), (std::map<std::string, int>{{"noise", 3}}));
}

TEST(AudioFeatures, SilenceIsSilence) {
  AudioFeaturesAnalyzer analyzer;
  const auto result = run_on_audio(analyzer, std::vector<float>(4 * kRate, 0.0f));
  EXPECT_EQ(class_counts(result), (std::map<std::string, int>{{"silence", 2}}));
  EXPECT_DOUBLE_EQ(result.at("summary").at("class_shares").at("silence").get<double>(), 1.0);
}

TEST(AudioFeatures, EspeakSpeechIsSpeech) {
  AudioFeaturesAnalyzer analyzer;
  const auto result = run_on_audio(analyzer, read_wav_16k(generated_path("speech.wav")));
  // Segments [0,2) [2,4) [4,6) [6,8) are mostly speech; [8,9.3) is 0.3 s of speech then silence and
  // may go either way.
  const auto& segments = result.at("segments");
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(segments[i].at("class"), "speech") << segments[i].dump();
  EXPECT_TRUE(result.at("tempo").at("bpm").is_null());
}

TEST(AudioFeatures, RealSpeechIsSpeech) {
  AudioFeaturesAnalyzer analyzer;
  const auto result = run_on_audio(analyzer, read_wav_16k(audio_data_path("asterisk-core-sounds-en/demo-congrats.wav")));
  // Measured: all 15 full segments read as speech (the [2,4) one has the most regular syllable rhythm,
  // beat_periodicity 0.54, below the music threshold 0.75): require 13 of 15.
  EXPECT_GE(class_counts(result)["speech"], 13) << result.at("summary").dump();
}

TEST(AudioFeatures, SettingsAreChecked) {
  AudioFeaturesAnalyzer analyzer;
  EXPECT_THROW(analyzer.begin(context_with_audio({{"onset", 1}})), Error);
  EXPECT_NO_THROW(analyzer.begin(context_with_audio({{"onset_threshold", 0.3}})));
}

}  // namespace
}  // namespace vidscope::analyzers
