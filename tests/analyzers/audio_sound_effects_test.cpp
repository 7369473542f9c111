#include "analyzers/sound_effects.h"

#include <gtest/gtest.h>

#include "analyzers/audio_test_support.h"
#include "base/error.h"

namespace vidscope::analyzers {
namespace {

using namespace testing;

TEST(SoundEffects, BurstOverQuietBedIsOneEvent) {
  SoundEffectsAnalyzer analyzer;
  auto audio = noise(6.0, 0.003);               // -50 dBFS bed
  mix_into(audio, noise(0.1, 0.3, 9), 3.0);     // -10 dBFS, 100 ms
  const auto result = run_on_audio(analyzer, audio);
  const auto& events = result.at("events");
  ASSERT_EQ(events.size(), 1u) << result.dump(1);
  // aubio's onset time is within one 16 ms hop of the attack; 30 ms allows for its delay compensation.
  EXPECT_NEAR(events[0].at("time_s").get<double>(), 3.0, 0.03);
  EXPECT_NEAR(events[0].at("level_jump_db").get<double>(), 40.0, 3.0);
  EXPECT_EQ(events[0].at("kind"), "sharp");  // white noise: centroid ~4 kHz
}

TEST(SoundEffects, SteadyNoiseHasNoEvents) {
  SoundEffectsAnalyzer analyzer;
  EXPECT_TRUE(run_on_audio(analyzer, noise(6.0, 0.02)).at("events").empty());
}

TEST(SoundEffects, SpeechOnsetsAreNotEffects) {
  SoundEffectsAnalyzer analyzer;
  const auto result = run_on_audio(analyzer, read_wav_16k(generated_path("speech.wav")));
  EXPECT_TRUE(result.at("events").empty()) << result.dump(1);
  // Speech does produce loud onsets; they are recognised and dropped.
  EXPECT_GT(result.at("dropped_inside_speech").get<int>(), 0);
}

TEST(SoundEffects, ABangBetweenSentencesIsFound) {
  SoundEffectsAnalyzer analyzer;
  auto audio = read_wav_16k(generated_path("speech.wav"));
  // speech.truth.json: silence from 3.862 s to 5.362 s. A low thud at 4.6 s, decaying by 1/e in 15 ms:
  // loud for ~60 ms, too short to pass as speech (vad_min_speech_ms 120).
  std::vector<float> thud(static_cast<size_t>(0.1 * kRate));
  for (size_t i = 0; i < thud.size(); ++i) {
    thud[i] = static_cast<float>(0.5 * std::exp(-static_cast<double>(i) / (0.015 * kRate)) * std::sin(2 * std::numbers::pi * 80.0 * static_cast<double>(i) / kRate));
  }
  mix_into(audio, thud, 4.6);
  const auto result = run_on_audio(analyzer, audio);
  const auto& events = result.at("events");
  ASSERT_EQ(events.size(), 1u) << result.dump(1);
  EXPECT_NEAR(events[0].at("time_s").get<double>(), 4.6, 0.03);
  EXPECT_EQ(events[0].at("kind"), "impact");
}

TEST(SoundEffects, SettingsAreChecked) {
  SoundEffectsAnalyzer analyzer;
  EXPECT_THROW(analyzer.begin(context_with_audio({{"jump_db", 10}})), Error);
  EXPECT_NO_THROW(analyzer.begin(context_with_audio({{"min_jump_db", 10}, {"vad_hangover_ms", 100}})));
}

}  // namespace
}  // namespace vidscope::analyzers
