// SegmentSource and probe_video on the media made by scripts/make-media --test-set.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "media/video_info.h"
#include "media_test_util.h"

namespace vidscope::media {
namespace {

using testing::every_frame;
using testing::frames_of;
using testing::generated;
using testing::per_segment;
using testing::read_all;

nlohmann::json truth_of(const std::string& name) {
  std::ifstream in(generated(name));
  return nlohmann::json::parse(in);
}

SourceOptions every_frame_options(int max_side = 64) {
  SourceOptions options;
  options.streams = {every_frame(max_side)};
  return options;
}

// Probing and decoding must both refuse the file with an input error that names it.
void expect_input_error(const std::string& name, const std::string& reason) {
  const std::string path = generated(name);
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      if (attempt == 0) {
        probe_video(path);
      } else {
        read_all(path, every_frame_options());
      }
      ADD_FAILURE() << name << ": expected an input error";
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::kInput) << error.what();
      EXPECT_NE(std::string(error.what()).find(name), std::string::npos) << error.what();
      EXPECT_NE(std::string(error.what()).find(reason), std::string::npos) << error.what();
    }
  }
}

TEST(BadInputs, EmptyFile) { expect_input_error("empty.mp4", "empty"); }
TEST(BadInputs, RandomBytes) { expect_input_error("random.mp4", ""); }
TEST(BadInputs, ImageRenamedToMp4) { expect_input_error("image.mp4", "still image"); }
TEST(BadInputs, AudioOnly) { expect_input_error("audio_only.m4a", "no video stream"); }
TEST(BadInputs, TruncatedWithIndexAtTheEnd) { expect_input_error("truncated.mp4", "truncated"); }

TEST(BadInputs, UnreadableFile) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads any file; permission errors cannot be produced";
  const std::string path = std::string(VIDSCOPE_BINARY_DIR) + "/unreadable_test_video.mp4";
  std::filesystem::copy_file(generated("yuv444.mp4"), path, std::filesystem::copy_options::overwrite_existing);
  ::chmod(path.c_str(), 0);
  try {
    probe_video(path);
    ADD_FAILURE() << "expected an input error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kInput);
    EXPECT_NE(std::string(error.what()).find("cannot be read"), std::string::npos);
  }
  std::filesystem::remove(path);
}

TEST(BadInputs, TruncatedWithIndexAtTheFrontKeepsTheFramesBeforeTheDamage) {
  // 30% of a 4 s, 25 fps video whose index survived: decoding stops early but keeps what it got.
  const VideoInfo info = probe_video(generated("truncated_faststart.mp4"));
  EXPECT_NEAR(info.duration_s, 4.0, 0.05);
  const auto frames = frames_of(read_all(generated("truncated_faststart.mp4"), every_frame_options()), 0);
  EXPECT_GT(frames.size(), 5u);
  EXPECT_LT(frames.size(), 100u);
}

// The early stop is kept as a warning for the report (a report must never silently cover part of a
// file); a clean file gives none.
TEST(BadInputs, TruncatedFileLeavesAWarningACleanOneNone) {
  SegmentSource damaged(generated("truncated_faststart.mp4"), every_frame_options());
  while (damaged.next()) {
  }
  const auto warnings = damaged.warnings();
  ASSERT_FALSE(warnings.empty());
  EXPECT_NE(warnings.front().find("truncated_faststart.mp4"), std::string::npos) << warnings.front();
  EXPECT_NE(warnings.front().find("error after"), std::string::npos) << warnings.front();

  SegmentSource clean(generated("yuv444.mp4"), every_frame_options());
  while (clean.next()) {
  }
  EXPECT_TRUE(clean.warnings().empty()) << clean.warnings().front();
}

TEST(OddInputs, OnePixelVideoDecodes) {
  const auto frames = frames_of(read_all(generated("tiny_1x1.mp4"), every_frame_options()), 0);
  ASSERT_EQ(frames.size(), 10u);
  EXPECT_EQ(frames[0]->width, 1);
  EXPECT_EQ(frames[0]->height, 1);
  EXPECT_GT(frames[0]->rgb[0], 200);  // the source is pure red
}

TEST(OddInputs, OddDimensionsDecodeAtFullSize) {
  const auto frames = frames_of(read_all(generated("odd_dims.mp4"), every_frame_options(0)), 0);
  ASSERT_EQ(frames.size(), 10u);
  EXPECT_EQ(frames[0]->width, 321);
  EXPECT_EQ(frames[0]->height, 179);
  EXPECT_EQ(frames[0]->rgb.size(), 321u * 179u * 3u);
}

TEST(OddInputs, Yuv444Decodes) {
  EXPECT_EQ(probe_video(generated("yuv444.mp4")).pixel_format, "yuv444p");
  EXPECT_EQ(frames_of(read_all(generated("yuv444.mp4"), every_frame_options()), 0).size(), 10u);
}

TEST(OddInputs, RotatedVideoComesOutUpright) {
  const VideoInfo info = probe_video(generated("rotated.mp4"));
  EXPECT_EQ(info.rotation_deg, 90);
  EXPECT_EQ(info.coded_width, 320);
  EXPECT_EQ(info.width, 180);
  EXPECT_EQ(info.height, 320);
  const auto frames = frames_of(read_all(generated("rotated.mp4"), every_frame_options(0)), 0);
  ASSERT_FALSE(frames.empty());
  EXPECT_EQ(frames[0]->width, 180);
  EXPECT_EQ(frames[0]->height, 320);
  // The red 40x40 box stored at the top-left must appear at the top-right after a clockwise turn, on
  // a grey (128) background: the other corners stay grey.
  const auto is_red = [&](int x, int y) {
    const std::uint8_t* p = frames[0]->row(y) + x * 3;
    return p[0] > 200 && p[1] < 60 && p[2] < 60;
  };
  EXPECT_TRUE(is_red(170, 10));
  EXPECT_FALSE(is_red(10, 10));
  EXPECT_FALSE(is_red(10, 310));
  EXPECT_FALSE(is_red(170, 310));
}

TEST(OddInputs, VariableFrameRateIsDetectedAndTimed) {
  const VideoInfo info = probe_video(generated("vfr.mkv"));
  EXPECT_TRUE(info.variable_fps);
  const auto frames = frames_of(read_all(generated("vfr.mkv"), every_frame_options()), 0);
  ASSERT_EQ(frames.size(), static_cast<size_t>(truth_of("vfr.truth.json")["frame_count"].get<int>()));
  for (size_t i = 1; i < frames.size(); ++i) EXPECT_GT(frames[i]->time_s, frames[i - 1]->time_s);
  // 20 frames at 10 fps, then 30 fps; Matroska stores milliseconds, so allow 1 ms of rounding.
  for (size_t i = 0; i < 20; ++i) EXPECT_NEAR(frames[i]->time_s, i / 10.0, 1e-3);
  for (size_t i = 20; i < frames.size(); ++i) EXPECT_NEAR(frames[i]->time_s, 2.0 + (i - 20) / 30.0, 1e-3);
}

TEST(OddInputs, ConstantRateFilesAreNotVariable) {
  EXPECT_FALSE(probe_video(generated("cuts.mp4")).variable_fps);
  EXPECT_FALSE(probe_video(generated("hevc.mp4")).variable_fps);
}

void expect_decodes(const std::string& name, const std::string& codec) {
  EXPECT_EQ(probe_video(generated(name)).codec, codec);
  const auto frames = frames_of(read_all(generated(name), every_frame_options(0)), 0);
  ASSERT_EQ(frames.size(), 10u);  // 1 s at 10 fps
  EXPECT_EQ(frames[0]->width, 160);
  EXPECT_EQ(frames[0]->height, 90);
}

TEST(OtherCodecs, Vp9) { expect_decodes("vp9.webm", "vp9"); }
TEST(OtherCodecs, Hevc) { expect_decodes("hevc.mp4", "hevc"); }
TEST(OtherCodecs, Av1) { expect_decodes("av1.mkv", "av1"); }

TEST(Audio, SegmentsCoverTheWholeVideoOnce) {
  SourceOptions options;
  options.plan.segment_duration_s = 2.0;
  options.plan.overlap_ratio = 0.5;
  options.streams = {per_segment(1)};
  options.want_audio = true;
  const auto segments = read_all(generated("speech.mp4"), options);
  ASSERT_FALSE(segments.empty());
  size_t fresh = 0;
  for (const Segment& segment : segments) {
    // Each segment's audio spans its window, to within one sample of rounding at each end.
    EXPECT_NEAR(static_cast<double>(segment.audio.size()), (segment.t1 - segment.t0) * kAudioSampleRate, 1.0);
    fresh += segment.new_audio().size();
  }
  const double end_s = segments.back().t1;
  // New samples add up to the whole video once: within one video frame (0.1 s) of audio.
  EXPECT_NEAR(static_cast<double>(fresh), end_s * kAudioSampleRate, 0.1 * kAudioSampleRate);
}

TEST(Audio, SpeechIsWhereTheTruthSaysAndSilenceElsewhere) {
  SourceOptions options;
  options.plan.segment_duration_s = 0.5;
  options.streams = {per_segment(1)};
  options.want_audio = true;
  const auto segments = read_all(generated("speech.mp4"), options);
  const auto truth = truth_of("speech.truth.json")["speech"];
  const double speech_start = truth[0]["start_s"];
  for (const Segment& segment : segments) {
    double energy = 0;
    for (float s : segment.audio) energy += static_cast<double>(s) * s;
    const double rms = segment.audio.empty() ? 0 : std::sqrt(energy / segment.audio.size());
    if (segment.t1 <= speech_start - 0.05) {
      EXPECT_LT(rms, 0.01) << "silent lead-in at " << segment.t0;
    }
  }
  // Somewhere inside the first sentence the signal is clearly present.
  bool loud = false;
  for (const Segment& segment : segments) {
    if (segment.t0 >= speech_start && segment.t1 <= truth[0]["end_s"].get<double>()) {
      double peak = 0;
      for (float s : segment.audio) peak = std::max(peak, static_cast<double>(std::abs(s)));
      loud |= peak > 0.05;
    }
  }
  EXPECT_TRUE(loud);
}

TEST(Audio, ToneKeepsItsLevelThroughDecodeAndResampling) {
  // A 1 kHz sine of amplitude A has RMS A/sqrt(2); resampling 48 kHz AAC to 16 kHz mono must keep it.
  SourceOptions options;
  options.plan.segment_duration_s = 2.0;
  options.streams = {per_segment(1)};
  options.want_audio = true;
  const double amplitude = truth_of("tone_-23lufs.truth.json")["amplitude"];
  double energy = 0;
  size_t count = 0;
  for (const Segment& segment : read_all(generated("tone_-23lufs.mp4"), options)) {
    if (segment.t0 < 1.0 || segment.is_last) continue;  // skip the codec's start-up and the tail
    for (float s : segment.new_audio()) energy += static_cast<double>(s) * s;
    count += segment.new_audio().size();
  }
  ASSERT_GT(count, 0u);
  // 2% (0.17 dB): AAC at 128 kb/s and the resampler's passband ripple stay well inside it.
  EXPECT_NEAR(std::sqrt(energy / count), amplitude / std::sqrt(2.0), 0.02 * amplitude / std::sqrt(2.0));
}

TEST(Audio, VideoWithoutAudioGivesEmptyAudio) {
  SourceOptions options = every_frame_options();
  options.want_audio = true;
  for (const Segment& segment : read_all(generated("cuts.mp4"), options)) EXPECT_TRUE(segment.audio.empty());
}

TEST(Cuts, ProbeMatchesTheTruthFile) {
  const auto truth = truth_of("cuts.truth.json");
  const VideoInfo info = probe_video(generated("cuts.mp4"));
  EXPECT_NEAR(info.duration_s, truth["duration_s"].get<double>(), 0.05);
  EXPECT_EQ(info.width, truth["width"].get<int>());
  EXPECT_GE(truth["hard_cuts_s"].size(), 8u);
}

}  // namespace
}  // namespace vidscope::media
