#include "analyzers/audio_loudness.h"

#include <cmath>
#include <numbers>

#include <gtest/gtest.h>

#include "base/error.h"

namespace vidscope::analyzers {
namespace {

constexpr int kRate = media::kAudioSampleRate;

// A 997 Hz sine (the EBU test frequency) of peak `amplitude`.
std::vector<float> sine(double seconds, double amplitude, double frequency = 997.0) {
  std::vector<float> samples(static_cast<size_t>(seconds * kRate));
  for (size_t i = 0; i < samples.size(); ++i) {
    samples[i] = static_cast<float>(amplitude * std::sin(2 * std::numbers::pi * frequency * static_cast<double>(i) / kRate));
  }
  return samples;
}

// BS.1770 on one channel of weight 1: L = -0.691 + 10 log10(mean square after K-weighting). The
// K-filter's gain near 1 kHz is +0.69 dB, which the -0.691 offset cancels, so a 997 Hz sine reads its
// RMS level in dBFS: RMS -23 dBFS, i.e. peak sqrt(2) * 10^(-23/20), is a -23 LUFS tone.
double amplitude_for_lufs(double lufs) { return std::sqrt(2.0) * std::pow(10.0, lufs / 20.0); }

AnalyzerContext context_with_audio(nlohmann::json settings = nlohmann::json::object()) {
  AnalyzerContext context;
  context.video.audio_streams.push_back(media::AudioStreamInfo{1, "aac", 48000, 2, "", 0});
  context.settings = std::move(settings);
  return context;
}

// Feeds `audio` in segments of `segment_s` whose windows overlap by `overlap_ratio`, the way the media
// layer does: every segment holds its whole window, `audio_new_begin` marks the samples not seen before.
nlohmann::json run_on_audio(AudioLoudnessAnalyzer& analyzer, const std::vector<float>& audio, double segment_s = 2.0,
                            double overlap_ratio = 0.0, nlohmann::json settings = nlohmann::json::object()) {
  analyzer.begin(context_with_audio(std::move(settings)));
  const double duration = static_cast<double>(audio.size()) / kRate;
  const double stride = segment_s * (1.0 - overlap_ratio);
  size_t seen = 0;
  for (int index = 0; index * stride < duration; ++index) {
    media::Segment segment;
    segment.index = index;
    segment.t0 = index * stride;
    segment.t1 = std::min(duration, segment.t0 + segment_s);
    const auto begin = static_cast<size_t>(std::lround(segment.t0 * kRate));
    const auto end = static_cast<size_t>(std::lround(segment.t1 * kRate));
    segment.audio.assign(audio.begin() + static_cast<std::ptrdiff_t>(begin), audio.begin() + static_cast<std::ptrdiff_t>(end));
    segment.audio_t0 = segment.t0;
    segment.audio_new_begin = seen > begin ? seen - begin : 0;
    seen = std::max(seen, end);
    const std::vector<media::FramePtr> no_frames;
    analyzer.process(SegmentInput{segment, no_frames});
    if (segment.t1 >= duration) break;
  }
  return analyzer.finish();
}

TEST(AudioLoudness, MinusTwentyThreeLufsToneMeasuresMinusTwentyThree) {
  AudioLoudnessAnalyzer analyzer;
  const auto result = run_on_audio(analyzer, sine(10.0, amplitude_for_lufs(-23.0)));
  ASSERT_TRUE(result.at("has_audio").get<bool>());
  // EBU Tech 3341 allows +-0.1 LU for its test signals; 0.5 LU leaves room for the K-filter's
  // coefficients being derived at 16 kHz instead of 48 kHz.
  EXPECT_NEAR(result.at("integrated_lufs").get<double>(), -23.0, 0.5) << result.dump(2);
  // A steady tone has no loudness range.
  EXPECT_NEAR(result.at("loudness_range_lu").get<double>(), 0.0, 0.5);
  // Peak of the sine: 20 log10(0.1002) = -19.98 dBFS; true peak is at least the sample peak and the
  // 4x oversampled reconstruction of a pure sine overshoots by well under 0.5 dB.
  EXPECT_NEAR(result.at("sample_peak_dbfs").get<double>(), -19.98, 0.1);
  EXPECT_GE(result.at("true_peak_dbtp").get<double>(), result.at("sample_peak_dbfs").get<double>() - 1e-6);
  EXPECT_NEAR(result.at("true_peak_dbtp").get<double>(), -19.98, 0.5);
  EXPECT_NEAR(result.at("duration_s").get<double>(), 10.0, 1e-9);
  // Per segment RMS of a sine of peak A is A / sqrt(2): -23 dBFS.
  for (const auto& segment : result.at("segments")) EXPECT_NEAR(segment.at("rms_dbfs").get<double>(), -23.0, 0.05);
  EXPECT_TRUE(result.at("silence").at("intervals").empty());
}

TEST(AudioLoudness, DualMonoReadsThreeDecibelsLouder) {
  AudioLoudnessAnalyzer analyzer;
  const auto tone = sine(6.0, amplitude_for_lufs(-23.0));
  const double single = run_on_audio(analyzer, tone).at("integrated_lufs").get<double>();
  const double dual = run_on_audio(analyzer, tone, 2.0, 0.0, {{"dual_mono", true}}).at("integrated_lufs").get<double>();
  // DUAL_MONO weights the channel twice: 10 log10(2) = 3.01 dB.
  EXPECT_NEAR(dual - single, 3.01, 0.01);
}

TEST(AudioLoudness, OverlappingSegmentsAreNotCountedTwice) {
  AudioLoudnessAnalyzer analyzer;
  // Loud first half, quiet second half: counting overlap twice would shift the gated mean.
  std::vector<float> audio = sine(6.0, 0.5);
  const auto quiet = sine(6.0, 0.01);
  audio.insert(audio.end(), quiet.begin(), quiet.end());
  const auto plain = run_on_audio(analyzer, audio, 2.0, 0.0);
  const auto overlapped = run_on_audio(analyzer, audio, 2.0, 0.5);
  EXPECT_NEAR(overlapped.at("duration_s").get<double>(), 12.0, 1e-9);
  EXPECT_NEAR(overlapped.at("integrated_lufs").get<double>(), plain.at("integrated_lufs").get<double>(), 1e-9);
  EXPECT_NEAR(overlapped.at("loudness_range_lu").get<double>(), plain.at("loudness_range_lu").get<double>(), 1e-9);
  EXPECT_GT(overlapped.at("segments").size(), plain.at("segments").size());
}

TEST(AudioLoudness, SilenceIntervalsAreFound) {
  AudioLoudnessAnalyzer analyzer;
  std::vector<float> audio = sine(2.0, 0.3);
  audio.resize(audio.size() + static_cast<size_t>(1.0 * kRate), 0.0f);                      // 1 s of silence
  const auto tone = sine(2.0, 0.3);
  audio.insert(audio.end(), tone.begin(), tone.end());
  audio.resize(audio.size() + static_cast<size_t>(0.2 * kRate), 0.0f);                      // 0.2 s: too short
  audio.insert(audio.end(), tone.begin(), tone.end());
  const auto result = run_on_audio(analyzer, audio, 1.5);
  const auto& intervals = result.at("silence").at("intervals");
  ASSERT_EQ(intervals.size(), 1u) << result.dump(2);
  // Windows are 50 ms long and aligned to the start, and the silence starts and ends on window edges.
  EXPECT_NEAR(intervals[0].at("start_s").get<double>(), 2.0, 0.05);
  EXPECT_NEAR(intervals[0].at("end_s").get<double>(), 3.0, 0.05);
  EXPECT_NEAR(result.at("silence").at("total_s").get<double>(), 1.0, 0.1);
}

TEST(AudioLoudness, VideoWithoutAudioReportsNoNumbers) {
  AudioLoudnessAnalyzer analyzer;
  AnalyzerContext context;  // no audio streams
  EXPECT_FALSE(analyzer.needs(context).audio);
  analyzer.begin(context);
  media::Segment segment;
  segment.t1 = 2.0;
  const std::vector<media::FramePtr> no_frames;
  analyzer.process(SegmentInput{segment, no_frames});
  EXPECT_EQ(analyzer.finish(), nlohmann::json({{"has_audio", false}}));
}

TEST(AudioLoudness, DigitalSilenceHasNoLoudness) {
  AudioLoudnessAnalyzer analyzer;
  const auto result = run_on_audio(analyzer, std::vector<float>(3 * kRate, 0.0f));
  EXPECT_TRUE(result.at("integrated_lufs").is_null());
  EXPECT_TRUE(result.at("true_peak_dbtp").is_null());
  ASSERT_EQ(result.at("silence").at("intervals").size(), 1u);
  EXPECT_NEAR(result.at("silence").at("total_s").get<double>(), 3.0, 1e-9);
}

TEST(AudioLoudness, SettingsAreChecked) {
  AudioLoudnessAnalyzer analyzer;
  EXPECT_THROW(analyzer.begin(context_with_audio({{"silence_threshold", -40}})), Error);
  EXPECT_THROW(analyzer.begin(context_with_audio({{"silence_threshold_dbfs", 10}})), Error);
  EXPECT_NO_THROW(analyzer.begin(context_with_audio({{"silence_threshold_dbfs", -40}, {"silence_min_s", 1.0}})));
}

}  // namespace
}  // namespace vidscope::analyzers
