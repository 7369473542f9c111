#include "analyzers/audio_environment.h"

#include <gtest/gtest.h>

#include "analyzers/audio_test_support.h"
#include "base/error.h"

namespace vidscope::analyzers {
namespace {

using namespace testing;

TEST(AudioEnvironment, NoiseBedIsSteadyBroadbandAmbience) {
  AudioEnvironmentAnalyzer analyzer;
  const auto result = run_on_audio(analyzer, noise(8.0, 0.02));
  EXPECT_EQ(result.at("dominant_kind"), "steady_ambience") << result.dump(1);
  EXPECT_EQ(result.at("dominant_texture"), "broadband_noise");
  // RMS 0.02 is -34 dBFS; 20 ms frames of white noise vary by well under 1 dB, so the 10th percentile
  // sits within 1 dB of it.
  EXPECT_NEAR(result.at("noise_floor_dbfs").get<double>(), -34.0, 1.0);
}

TEST(AudioEnvironment, SteadyHumIsHum) {
  AudioEnvironmentAnalyzer analyzer;
  auto hum = sine(6.0, 0.05, 120.0);
  mix_into(hum, sine(6.0, 0.02, 240.0), 0.0);
  mix_into(hum, sine(6.0, 0.01, 600.0), 0.0);
  const auto result = run_on_audio(analyzer, hum);
  EXPECT_EQ(result.at("dominant_kind"), "steady_ambience");
  // Rolloff of 120 + 240 + 600 Hz lines is below 500 Hz, so this hum reads as low rumble: mains hum
  // and rumble are both low and steady; the rule tells them apart only by flatness above 500 Hz.
  EXPECT_TRUE(result.at("dominant_texture") == "hum" || result.at("dominant_texture") == "low_rumble") << result.dump(1);
}

TEST(AudioEnvironment, BurstsMakeASegmentActiveAndSilenceIsQuiet) {
  AudioEnvironmentAnalyzer analyzer;
  std::vector<float> audio(6 * kRate, 0.0f);
  mix_into(audio, noise(6.0, 0.0005), 0.0);                   // -66 dBFS bed
  for (double t = 2.2; t < 3.9; t += 0.3) mix_into(audio, noise(0.05, 0.3, static_cast<unsigned>(t * 10)), t);
  const auto result = run_on_audio(analyzer, audio);
  const auto& segments = result.at("segments");
  ASSERT_EQ(segments.size(), 3u);
  EXPECT_EQ(segments[0].at("kind"), "quiet");
  EXPECT_EQ(segments[1].at("kind"), "active") << segments[1].dump();
  EXPECT_EQ(segments[2].at("kind"), "quiet");
}

TEST(AudioEnvironment, SettingsAreChecked) {
  AudioEnvironmentAnalyzer analyzer;
  EXPECT_THROW(analyzer.begin(context_with_audio({{"quiet", -40}})), Error);
  EXPECT_NO_THROW(analyzer.begin(context_with_audio({{"quiet_below_dbfs", -40}})));
}

}  // namespace
}  // namespace vidscope::analyzers
