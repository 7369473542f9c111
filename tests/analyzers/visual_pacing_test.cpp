// pacing: the audio proxy on synthetic sound, and shot statistics on the generated cuts.mp4.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <numbers>

#include "analyzers/pacing.h"
#include "base/error.h"
#include "synthetic_media.h"
#include "visual_video_runner.h"

namespace vidscope::analyzers {
namespace {

std::vector<float> tone(double seconds, double amplitude) {
  std::vector<float> samples(static_cast<size_t>(seconds * media::kAudioSampleRate));
  for (size_t i = 0; i < samples.size(); ++i) {
    samples[i] = static_cast<float>(amplitude * std::sin(2 * std::numbers::pi * 440.0 * i / media::kAudioSampleRate));
  }
  return samples;
}

// Syllable-like bursts: 120 ms of noise, 130 ms of near-silence, repeated (4 per second).
std::vector<float> bursts(double seconds) {
  std::vector<float> samples(static_cast<size_t>(seconds * media::kAudioSampleRate));
  cv::RNG rng(17);
  for (size_t i = 0; i < samples.size(); ++i) {
    const bool on = (i % 4000) < 1920;
    samples[i] = static_cast<float>(on ? rng.uniform(-0.3, 0.3) : rng.uniform(-0.001, 0.001));
  }
  return samples;
}

TEST(Pacing, AudioProxyLabels) {
  const PacingConfig config;
  EXPECT_EQ(classify_audio(tone(2.0, 0.3), config).label, "music_like");
  EXPECT_LT(classify_audio(tone(2.0, 0.3), config).low_energy_share, 0.05);  // a steady tone has none
  const AudioBalance speech = classify_audio(bursts(2.0), config);
  EXPECT_EQ(speech.label, "speech_like");
  // 130 of every 250 ms are quiet: 52%, +-1 window per burst edge.
  EXPECT_NEAR(speech.low_energy_share, 0.52, 0.1);
  EXPECT_EQ(classify_audio(std::vector<float>(32000, 0.0f), config).label, "silence");
  EXPECT_EQ(classify_audio({}, config).label, "silence");
}

TEST(Pacing, CutsPerMinuteOnGeneratedCuts) {
  const std::string path = std::string(VIDSCOPE_GENERATED_MEDIA_DIR) + "/cuts.mp4";
  std::ifstream truth_file(std::string(VIDSCOPE_GENERATED_MEDIA_DIR) + "/cuts.truth.json");
  ASSERT_TRUE(truth_file) << "generated media missing; run ctest (fixture generate_test_media)";
  const nlohmann::json truth = nlohmann::json::parse(truth_file);
  // Shot boundaries: every hard cut plus each gradual transition (counted once, at its middle).
  const size_t boundaries = truth.at("hard_cuts_s").size() + truth.at("gradual_transitions").size();
  const double duration = truth.at("duration_s").get<double>();
  const double expected_cpm = boundaries * 60.0 / duration;  // 10 boundaries in 20 s: 30 per minute

  PacingAnalyzer analyzer;
  const auto result = testing::run_on_video(analyzer, path);
  const size_t found = result.at("cut_count").get<size_t>();
  // The shared shot detector (as shot_cuts) also splits the zooming mandelbrot shot (3.6-6.0 s) with a
  // "gradual transition" at ~4.8 s (its documented limit: fast motion can pass as a dissolve), so one
  // boundary more than the truth is accepted, never fewer.
  EXPECT_GE(found, boundaries) << result.dump(2);
  EXPECT_LE(found, boundaries + 1);
  // The duration is the decoded one (within a frame of the truth); one extra boundary adds 3 per minute.
  EXPECT_NEAR(result.at("cuts_per_minute").get<double>(), found * 60.0 / duration, 0.2);
  EXPECT_NEAR(result.at("cuts_per_minute").get<double>(), expected_cpm, 3.0 + 0.2);
  EXPECT_NEAR(result.at("shot_length").at("mean_s").get<double>(), duration / (found + 1), 0.05);
  EXPECT_LE(result.at("shot_length").at("min_s").get<double>(), 1.4 + 0.05);  // shot 6 is 1.4 s
  EXPECT_EQ(result.at("hook").at("cuts"), 1);  // the cut at 2.0 s; the next is at 3.6 s
  EXPECT_GT(result.at("hook").at("activity").get<double>(), 0.0);
  EXPECT_EQ(result.at("audio_balance").at("has_audio"), false);  // cuts.mp4 has no audio stream
}

TEST(Pacing, BadSettingIsAUsageError) {
  EXPECT_THROW(parse_pacing_settings({{"hook_s", 0}}), Error);
  EXPECT_THROW(parse_pacing_settings({{"hook", 3}}), Error);
}

}  // namespace
}  // namespace vidscope::analyzers
