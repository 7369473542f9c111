#include "analyzers/shot_cuts.h"

#include <gtest/gtest.h>

#include "analyzers/shot_detector.h"
#include "base/error.h"
#include "synthetic_media.h"

namespace vidscope::analyzers {
namespace {

using testing::blend;
using testing::pattern;
using testing::run_on_frames;
using testing::solid;

constexpr double kFps = 25.0;
// Cut times are frame times; 0.1 s (2.5 frames at 25 fps) is the tolerance the task specifies.
constexpr double kCutToleranceS = 0.1;

std::vector<double> cut_times(const nlohmann::json& result) {
  std::vector<double> times;
  for (const auto& cut : result.at("hard_cuts")) times.push_back(cut.at("time_s").get<double>());
  return times;
}

double f1_score(const std::vector<double>& found, const std::vector<double>& truth, double tolerance) {
  std::vector<bool> used(truth.size(), false);
  int matched = 0;
  for (const double t : found) {
    for (size_t i = 0; i < truth.size(); ++i) {
      if (!used[i] && std::abs(truth[i] - t) <= tolerance) {
        used[i] = true;
        ++matched;
        break;
      }
    }
  }
  if (found.empty() || truth.empty()) return found.empty() && truth.empty() ? 1.0 : 0.0;
  const double precision = static_cast<double>(matched) / found.size();
  const double recall = static_cast<double>(matched) / truth.size();
  return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
}

TEST(ShotCuts, SolidColourCutsAreFoundWithF1OfOne) {
  // Eight shots of solid colours and lengths 1.2 .. 3 s; cuts on frame boundaries. Neighbours differ in
  // brightness or saturation too: a change of hue alone scores at most 90 / 3 = 30 (OpenCV hue is 0..179),
  // too close to the threshold to make a fair test of ContentDetector's score.
  const std::vector<cv::Scalar> colours = {{200, 30, 30}, {20, 20, 80},  {240, 240, 200}, {10, 90, 10},
                                           {255, 128, 0}, {60, 60, 60}, {30, 200, 220},  {120, 0, 60}};
  const std::vector<int> shot_frames = {40, 30, 75, 50, 35, 60, 45, 40};
  std::vector<int> shot_of_frame;
  std::vector<double> truth;
  for (size_t shot = 0; shot < shot_frames.size(); ++shot) {
    if (shot > 0) truth.push_back(shot_of_frame.size() / kFps);
    shot_of_frame.insert(shot_of_frame.end(), static_cast<size_t>(shot_frames[shot]), static_cast<int>(shot));
  }
  ShotCutsAnalyzer analyzer;
  const auto result = run_on_frames(analyzer, [&](int i) { return solid(colours[static_cast<size_t>(shot_of_frame[static_cast<size_t>(i)])]); },
                                    static_cast<int>(shot_of_frame.size()), kFps);
  const auto found = cut_times(result);
  EXPECT_GE(f1_score(found, truth, kCutToleranceS), 0.95) << result.dump(2);
  EXPECT_EQ(result.at("gradual_transitions").size(), 0u);
  EXPECT_EQ(result.at("shots").size(), shot_frames.size());
  EXPECT_EQ(result.at("frames_analyzed").get<int>(), static_cast<int>(shot_of_frame.size()));
}

TEST(ShotCuts, PatternedCutsAcrossSegmentBoundariesAreFound) {
  // Cuts placed exactly on and next to the 2 s segment boundaries: frame state must carry over.
  const cv::Mat a = pattern({220, 40, 40}, {20, 20, 120}, 8);
  const cv::Mat b = pattern({30, 180, 60}, {240, 240, 240}, 13);
  const std::vector<int> cut_frames = {50, 100, 151, 199};
  auto draw = [&](int i) {
    int shot = 0;
    for (const int cut : cut_frames) shot += i >= cut ? 1 : 0;
    return shot % 2 == 0 ? a : b;
  };
  ShotCutsAnalyzer analyzer;
  const auto result = run_on_frames(analyzer, draw, 250, kFps);
  std::vector<double> truth;
  for (const int cut : cut_frames) truth.push_back(cut / kFps);
  EXPECT_GE(f1_score(cut_times(result), truth, kCutToleranceS), 0.95) << result.dump(2);
}

TEST(ShotCuts, CrossFadeIsGradualNotAHardCut) {
  const cv::Mat from = pattern({220, 40, 40}, {250, 220, 60}, 10);
  const cv::Mat to = pattern({20, 60, 200}, {40, 200, 120}, 17);
  // 2 s of `from`, a 1.2 s (30 frame) linear cross-fade, 2 s of `to`.
  auto draw = [&](int i) {
    if (i < 50) return from;
    if (i >= 80) return to;
    return blend(from, to, (i - 49) / 31.0);
  };
  ShotCutsAnalyzer analyzer;
  const auto result = run_on_frames(analyzer, draw, 130, kFps);
  EXPECT_EQ(result.at("hard_cuts").size(), 0u) << result.dump(2);
  ASSERT_EQ(result.at("gradual_transitions").size(), 1u) << result.dump(2);
  const auto& transition = result.at("gradual_transitions")[0];
  EXPECT_EQ(transition.at("kind"), "dissolve");
  // The run covers the blended frames 50..79 (2.0 .. 3.16 s); one frame of slack at each end.
  EXPECT_NEAR(transition.at("start_s").get<double>(), 2.0, 1.0 / kFps + 1e-9);
  EXPECT_NEAR(transition.at("end_s").get<double>(), 79 / kFps, 1.0 / kFps + 1e-9);
  EXPECT_EQ(result.at("shots").size(), 2u);
}

TEST(ShotCuts, FadeToBlackAndBackIsGradualWithFadeCut) {
  const cv::Mat picture = pattern({200, 120, 60}, {30, 90, 200}, 12);
  const cv::Mat black = solid({0, 0, 0});
  // picture 0..49, fade out 50..74, black 75..99, fade in 100..124, picture to 174.
  auto draw = [&](int i) {
    if (i < 50 || i >= 125) return picture;
    if (i < 75) return blend(picture, black, (i - 49) / 25.0);
    if (i < 100) return black;
    return blend(black, picture, (i - 99) / 25.0);
  };
  ShotCutsAnalyzer analyzer;
  const auto result = run_on_frames(analyzer, draw, 175, kFps);
  // The fade-out and the black hold give no cut. The first frame of a fade-in from pure black does
  // score as a cut: hue and saturation jump from 0 (black) to the picture's, as in PySceneDetect's
  // ContentDetector (testvideo.mp4 frame 394 is such a cut in its golden list). Nothing else may be one.
  for (const auto& cut : result.at("hard_cuts")) EXPECT_EQ(cut.at("frame_index"), 100) << result.dump(2);
  ASSERT_EQ(result.at("gradual_transitions").size(), 2u) << result.dump(2);
  EXPECT_EQ(result.at("gradual_transitions")[0].at("kind"), "fade_out");
  EXPECT_EQ(result.at("gradual_transitions")[0].at("via"), "black");
  EXPECT_EQ(result.at("gradual_transitions")[1].at("kind"), "fade_in");
  // ThresholdDetector semantics: one cut halfway between the first dark frame and the first lit one.
  ASSERT_EQ(result.at("fade_cuts").size(), 1u);
  const auto& fade_cut = result.at("fade_cuts")[0];
  const auto fade_out = fade_cut.at("fade_out_frame").get<std::int64_t>();
  const auto fade_in = fade_cut.at("fade_in_frame").get<std::int64_t>();
  EXPECT_GT(fade_out, 60);
  EXPECT_LT(fade_in, 115);
  EXPECT_EQ(fade_cut.at("frame_index").get<std::int64_t>(), fade_out + std::llround((fade_in - fade_out) / 2.0));
}

TEST(ShotCuts, MinimumShotLengthIsInSeconds) {
  // Alternating colours every 5 frames (0.2 s): with min_shot_s = 0.5 s no two cuts are closer.
  auto draw = [](int i) { return (i / 5) % 2 == 0 ? solid({250, 0, 0}) : solid({0, 0, 250}); };
  ShotCutsAnalyzer analyzer;
  const auto result = run_on_frames(analyzer, draw, 100, kFps);
  const auto times = cut_times(result);
  ASSERT_FALSE(times.empty());
  EXPECT_GE(times.front(), 0.5 - 1e-9);
  for (size_t i = 1; i < times.size(); ++i) EXPECT_GE(times[i] - times[i - 1], 0.5 - 1e-9);
}

TEST(ShotCuts, AdaptiveMethodFindsCutsAndReportsRatio) {
  auto draw = [](int i) { return i < 60 ? pattern({250, 0, 0}, {0, 0, 0}, 9) : pattern({0, 200, 250}, {255, 255, 255}, 21); };
  ShotCutsAnalyzer analyzer;
  const auto result = run_on_frames(analyzer, draw, 120, kFps, 2.0, {{"method", "adaptive"}});
  ASSERT_EQ(result.at("hard_cuts").size(), 1u) << result.dump(2);
  EXPECT_NEAR(result.at("hard_cuts")[0].at("time_s").get<double>(), 60 / kFps, 1e-9);
  // Static shots on both sides: the window mean is 0, so the ratio is AdaptiveDetector's cap.
  EXPECT_DOUBLE_EQ(result.at("hard_cuts")[0].at("adaptive_ratio").get<double>(), 255.0);
  EXPECT_EQ(result.at("params").at("method"), "adaptive");
}

TEST(ShotCuts, ContentScoreMatchesHandComputedHsvDifference) {
  // Pure red (H 0, S 255, V 255) to pure blue (H 120, S 255, V 255): hue delta 120, others 0.
  const ContentFrame red = prepare_content_frame(solid({255, 0, 0}), false);
  const ContentFrame blue = prepare_content_frame(solid({0, 0, 255}), false);
  const ContentDelta delta = compare_content_frames(red, blue);
  EXPECT_DOUBLE_EQ(delta.hue, 120.0);
  EXPECT_DOUBLE_EQ(delta.sat, 0.0);
  EXPECT_DOUBLE_EQ(delta.lum, 0.0);
  EXPECT_DOUBLE_EQ(delta.score(ContentWeights{}), 40.0);
}

TEST(ShotCuts, FramesLargerThanAnalysisSizeAreDownscaled) {
  auto draw = [](int i) { return i < 30 ? solid({250, 0, 0}, 640, 360) : solid({20, 120, 20}, 640, 360); };
  ShotCutsAnalyzer analyzer;
  const auto result = run_on_frames(analyzer, draw, 60, kFps);
  ASSERT_EQ(result.at("hard_cuts").size(), 1u);
  EXPECT_NEAR(result.at("hard_cuts")[0].at("time_s").get<double>(), 30 / kFps, 1e-9);
}

TEST(ShotCuts, NoFramesGivesEmptyResult) {
  ShotCutsAnalyzer analyzer;
  const auto result = run_on_frames(analyzer, [](int) { return solid({0, 0, 0}); }, 0, kFps);
  EXPECT_EQ(result.at("frames_analyzed"), 0);
  EXPECT_TRUE(result.at("hard_cuts").empty());
  EXPECT_TRUE(result.at("shots").empty());
}

TEST(ShotCuts, UnknownSettingIsAUsageError) {
  ShotCutsAnalyzer analyzer;
  AnalyzerContext context;
  context.settings = {{"treshold", 30}};
  try {
    analyzer.needs(context);
    FAIL() << "expected a usage error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kUsage);
    EXPECT_NE(std::string(error.what()).find("treshold"), std::string::npos);
    EXPECT_NE(std::string(error.what()).find("threshold"), std::string::npos);  // lists the known keys
  }
  context.settings = {{"threshold", "high"}};
  EXPECT_THROW(analyzer.begin(context), Error);
  context.settings = {{"method", "histogram"}};
  EXPECT_THROW(analyzer.begin(context), Error);
}

TEST(ShotCuts, NeedsEveryFrameDownscaledWithArea) {
  ShotCutsAnalyzer analyzer;
  const AnalyzerNeeds needs = analyzer.needs(AnalyzerContext{});
  ASSERT_TRUE(needs.frames.has_value());
  EXPECT_EQ(needs.frames->mode, media::SampleMode::kEveryFrame);
  EXPECT_EQ(needs.frames->max_width, 256);
  EXPECT_EQ(needs.frames->max_height, 256);
  EXPECT_EQ(needs.frames->quality, media::ResizeQuality::kArea);
  EXPECT_FALSE(needs.audio);
  EXPECT_EQ(needs.resources.threads, 1u);
  EXPECT_GT(needs.resources.ram_bytes, 0u);
  EXPECT_LT(needs.resources.ram_bytes, 64 * kMiB);
}

}  // namespace
}  // namespace vidscope::analyzers
