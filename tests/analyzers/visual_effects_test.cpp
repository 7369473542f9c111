// visual_effects: fades, flashes, freezes and split screens in synthetic videos with known times.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "analyzers/visual_effects.h"
#include "base/error.h"
#include "synthetic_media.h"

namespace vidscope::analyzers {
namespace {

using testing::run_on_frames;

constexpr double kFps = 25.0;
constexpr int kWidth = 256, kHeight = 144;

// A textured mid-tone picture, shifted by `shift` pixels so consecutive frames differ (live video).
cv::Mat moving_picture(int shift) {
  static const cv::Mat base = [] {
    cv::Mat noise(kHeight, kWidth + 200, CV_8UC3);
    cv::RNG rng(5);
    rng.fill(noise, cv::RNG::UNIFORM, 50, 200);
    cv::GaussianBlur(noise, noise, cv::Size(0, 0), 1.5);
    // Shapes give the picture contrast (luma spread well above flat_stddev), all within 50..200.
    for (int k = 0; k < 60; ++k) {
      cv::rectangle(noise, cv::Rect(rng.uniform(0, kWidth + 170), rng.uniform(0, kHeight - 20), rng.uniform(8, 30), rng.uniform(8, 50)),
                    cv::Scalar(rng.uniform(50, 200), rng.uniform(50, 200), rng.uniform(50, 200)), cv::FILLED);
    }
    return noise;
  }();
  return base(cv::Rect(shift % 200, 0, kWidth, kHeight)).clone();
}

cv::Mat scaled(const cv::Mat& image, double gain, double offset = 0) {
  cv::Mat out;
  image.convertTo(out, -1, gain, offset);
  return out;
}

TEST(VisualEffects, FadeOutToBlackAndBackIn) {
  // 25 fps. Frames 0-24 picture; 25-49 fade out (gain 1 - (i - 24) / 25, black at frame 49 = 1.96 s);
  // 50-62 black; 63-87 fade in (gain (i - 62) / 25, full at frame 87 = 3.48 s); then picture.
  // Truth: fade out 1.0 s -> 1.96 s, fade in 2.48 s (last black frame) -> 3.48 s.
  auto draw = [](int i) {
    const cv::Mat picture = moving_picture(i);
    if (i < 25) return picture;
    if (i < 50) return scaled(picture, 1.0 - (i - 24) / 25.0);
    if (i < 63) return scaled(picture, 0.0);
    if (i < 88) return scaled(picture, (i - 62) / 25.0);
    return picture;
  };
  VisualEffectsAnalyzer analyzer;
  const auto result = run_on_frames(analyzer, draw, 125, kFps);
  const auto& fades = result.at("fades");
  ASSERT_EQ(fades.size(), 2u) << fades.dump(2);
  // Within 0.2 s: the ends are where the mean luma reaches black (level 20 of a ~125 picture: the
  // last 4 fade frames already count as black) and where it stops rising.
  EXPECT_EQ(fades[0].at("kind"), "fade_out");
  EXPECT_EQ(fades[0].at("via"), "black");
  EXPECT_NEAR(fades[0].at("start_s").get<double>(), 1.0, 0.2);
  EXPECT_NEAR(fades[0].at("end_s").get<double>(), 1.96, 0.2);
  EXPECT_EQ(fades[1].at("kind"), "fade_in");
  EXPECT_NEAR(fades[1].at("start_s").get<double>(), 2.48, 0.2);
  EXPECT_NEAR(fades[1].at("end_s").get<double>(), 3.48, 0.2);
  EXPECT_TRUE(result.at("flashes").empty());
  EXPECT_TRUE(result.at("freezes").empty()) << result.at("freezes").dump();  // black frames are not frozen
}

TEST(VisualEffects, FadeToWhite) {
  // Frames 25-49 blend towards white; white from frame 50 (2.0 s) to the end.
  auto draw = [](int i) {
    const cv::Mat picture = moving_picture(i);
    if (i < 25) return picture;
    const double alpha = std::min(1.0, (i - 24) / 25.0);
    return testing::blend(picture, testing::solid({255, 255, 255}, kWidth, kHeight), alpha);
  };
  VisualEffectsAnalyzer analyzer;
  const auto fades = run_on_frames(analyzer, draw, 75, kFps).at("fades");
  ASSERT_EQ(fades.size(), 1u) << fades.dump(2);
  EXPECT_EQ(fades[0].at("via"), "white");
  EXPECT_NEAR(fades[0].at("start_s").get<double>(), 1.0, 0.2);
  EXPECT_NEAR(fades[0].at("end_s").get<double>(), 2.0, 0.2);
}

TEST(VisualEffects, CutToBlackIsNotAFade) {
  auto draw = [](int i) { return i < 25 ? moving_picture(i) : scaled(moving_picture(i), 0.0); };
  VisualEffectsAnalyzer analyzer;
  EXPECT_TRUE(run_on_frames(analyzer, draw, 50, kFps).at("fades").empty());
}

TEST(VisualEffects, TwoFrameFlash) {
  // Frames 40 and 41 (1.6 s, 1.64 s) are brightened by 120 levels; frame 42 is back to normal.
  auto draw = [](int i) { return i == 40 || i == 41 ? scaled(moving_picture(i), 1.0, 120) : moving_picture(i); };
  VisualEffectsAnalyzer analyzer;
  const auto result = run_on_frames(analyzer, draw, 75, kFps);
  const auto& flashes = result.at("flashes");
  ASSERT_EQ(flashes.size(), 1u) << flashes.dump(2);
  EXPECT_NEAR(flashes[0].at("start_s").get<double>(), 1.6, 1e-6);   // frame-exact
  EXPECT_NEAR(flashes[0].at("end_s").get<double>(), 1.68, 1e-6);
  EXPECT_GT(flashes[0].at("peak_delta").get<double>(), 40.0);
  EXPECT_TRUE(result.at("fades").empty());
}

TEST(VisualEffects, LongBrightStretchIsNotAFlash) {
  // 0.4 s of bright picture: longer than max_flash_s (0.2 s).
  auto draw = [](int i) { return i >= 40 && i < 50 ? scaled(moving_picture(i), 1.0, 120) : moving_picture(i); };
  VisualEffectsAnalyzer analyzer;
  EXPECT_TRUE(run_on_frames(analyzer, draw, 75, kFps).at("flashes").empty());
}

TEST(VisualEffects, FreezeFrame) {
  // Moving picture, then frame 25's picture repeated for frames 25-49 (1.0 s - 1.96 s), then moving.
  auto draw = [](int i) { return moving_picture(i >= 25 && i < 50 ? 25 : i); };
  VisualEffectsAnalyzer analyzer;
  const auto freezes = run_on_frames(analyzer, draw, 100, kFps).at("freezes");
  ASSERT_EQ(freezes.size(), 1u) << freezes.dump(2);
  EXPECT_NEAR(freezes[0].at("start_s").get<double>(), 1.0, 1e-6);   // first frozen frame
  EXPECT_NEAR(freezes[0].at("end_s").get<double>(), 1.96, 1e-6);    // last frame equal to it
}

TEST(VisualEffects, ShortPauseIsNotAFreeze) {
  auto draw = [](int i) { return moving_picture(i >= 25 && i < 30 ? 25 : i); };  // 0.16 s
  VisualEffectsAnalyzer analyzer;
  EXPECT_TRUE(run_on_frames(analyzer, draw, 75, kFps).at("freezes").empty());
}

TEST(VisualEffects, SplitScreenSeam) {
  // Frames 25-74 (1.0 s - 2.96 s): the left half shows the moving picture dimmed to <= 80, the right
  // half a brightened (>= 150), differently moving one: a seam through the centre in every row.
  auto draw = [](int i) {
    cv::Mat frame = moving_picture(i);
    if (i >= 25 && i < 75) {
      scaled(moving_picture(i), 0.4)(cv::Rect(0, 0, kWidth / 2, kHeight)).copyTo(frame(cv::Rect(0, 0, kWidth / 2, kHeight)));
      scaled(moving_picture(3 * i + 60), 1.0, 100)(cv::Rect(kWidth / 2, 0, kWidth / 2, kHeight))
          .copyTo(frame(cv::Rect(kWidth / 2, 0, kWidth / 2, kHeight)));
    }
    return frame;
  };
  VisualEffectsAnalyzer analyzer;
  const auto splits = run_on_frames(analyzer, draw, 100, kFps).at("split_screens");
  ASSERT_EQ(splits.size(), 1u) << splits.dump(2);
  EXPECT_EQ(splits[0].at("orientation"), "vertical");
  EXPECT_NEAR(splits[0].at("start_s").get<double>(), 1.0, 1e-6);
  EXPECT_NEAR(splits[0].at("end_s").get<double>(), 2.96, 1e-6);
}

TEST(VisualEffects, SeamDetectorIgnoresOrdinaryPictures) {
  cv::Mat gray;
  cv::cvtColor(moving_picture(0), gray, cv::COLOR_RGB2GRAY);
  const SplitEvidence none = find_split_seams(gray, 20, 0.8);
  EXPECT_FALSE(none.vertical);
  EXPECT_FALSE(none.horizontal);
  cv::Mat stacked = gray.clone();
  stacked(cv::Rect(0, kHeight / 2, kWidth, kHeight / 2)).setTo(230);
  EXPECT_TRUE(find_split_seams(stacked, 20, 0.8).horizontal);
}

TEST(VisualEffects, SlowMotionByRepeatedFrames) {
  // 2 s of live picture, then 3 s where every source frame is shown twice (half speed), then 2 s live.
  // Repeats are frames 51, 53, ..., 123 (2.04 s - 4.92 s).
  auto draw = [](int i) { return moving_picture(i < 50 ? i : i < 125 ? 50 + (i - 50) / 2 : i); };
  VisualEffectsAnalyzer analyzer;
  const auto result = run_on_frames(analyzer, draw, 175, kFps);
  const auto& changes = result.at("speed_changes");
  ASSERT_EQ(changes.size(), 1u) << changes.dump(2);
  EXPECT_EQ(changes[0].at("kind"), "slow_motion");
  EXPECT_NEAR(changes[0].at("start_s").get<double>(), 2.04, 1e-6);
  EXPECT_NEAR(changes[0].at("end_s").get<double>(), 4.92, 1e-6);
  // Every second frame repeats: share 0.5, factor 2 (windows at the stretch's edges dilute it a little).
  EXPECT_NEAR(changes[0].at("factor").get<double>(), 2.0, 0.25);
  EXPECT_TRUE(result.at("freezes").empty());  // runs of one repeat are not a freeze
}

TEST(VisualEffects, ThirdSpeedAndFreezeAreToldApart) {
  // 1-3 s: each source frame three times (a third of the speed); 4-5 s: one picture held (a freeze).
  auto draw = [](int i) {
    if (i >= 25 && i < 100) return moving_picture(25 + (i - 25) / 3);
    if (i >= 100 && i < 125) return moving_picture(100);
    return moving_picture(i);
  };
  VisualEffectsAnalyzer analyzer;
  const auto result = run_on_frames(analyzer, draw, 175, kFps);
  const auto& changes = result.at("speed_changes");
  ASSERT_EQ(changes.size(), 1u) << changes.dump(2);
  EXPECT_NEAR(changes[0].at("factor").get<double>(), 3.0, 0.4);
  // The slow stretch ends where the freeze begins; the freeze's first max_repeat_run (3) frames still
  // fit the cadence, so the end may run up to 3 frames (0.12 s) into it.
  EXPECT_NEAR(changes[0].at("end_s").get<double>(), 4.0, 0.121);
  ASSERT_EQ(result.at("freezes").size(), 1u);
  EXPECT_NEAR(result.at("freezes")[0].at("start_s").get<double>(), 4.0, 1e-6);
}

TEST(VisualEffects, LiveFootageHasNoSpeedChange) {
  VisualEffectsAnalyzer analyzer;
  const auto result = run_on_frames(analyzer, moving_picture, 100, kFps);
  EXPECT_TRUE(result.at("speed_changes").empty());
  EXPECT_NE(result.at("speed_change_limits").get<std::string>().find("time-lapse"), std::string::npos);
}

TEST(VisualEffects, BadSettingIsAUsageError) {
  EXPECT_THROW(parse_visual_effects_settings({{"black_level", 240}}), Error);
  EXPECT_THROW(parse_visual_effects_settings({{"fade", true}}), Error);
}

}  // namespace
}  // namespace vidscope::analyzers
