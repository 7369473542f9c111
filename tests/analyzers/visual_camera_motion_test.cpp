// camera_motion: synthetic camera moves over a large textured picture, each with a known direction.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "analyzers/camera_motion.h"
#include "base/error.h"
#include "synthetic_media.h"

namespace vidscope::analyzers {
namespace {

using testing::run_on_frames;

constexpr int kWidth = 320, kHeight = 240;
constexpr double kFps = 10.0;
constexpr int kFrames = 20;  // one 2 s segment

// A 1400x1000 picture with detail everywhere (blurred noise plus shapes), fixed seed.
const cv::Mat& world() {
  static const cv::Mat image = [] {
    cv::Mat noise(1000, 1400, CV_8UC3);
    cv::RNG rng(1234);
    rng.fill(noise, cv::RNG::UNIFORM, 0, 256);
    cv::GaussianBlur(noise, noise, cv::Size(0, 0), 2.0);
    for (int i = 0; i < 120; ++i) {
      const cv::Point centre(rng.uniform(0, 1400), rng.uniform(0, 1000));
      cv::circle(noise, centre, rng.uniform(8, 40), cv::Scalar(rng.uniform(0, 256), rng.uniform(0, 256), rng.uniform(0, 256)),
                 cv::FILLED);
    }
    return noise;
  }();
  return image;
}

// The camera's view: a window of the world whose top-left is (x, y) and whose width is `view_width`
// (smaller = zoomed in), scaled to kWidth x kHeight.
cv::Mat view(double x, double y, double view_width = kWidth) {
  const double view_height = view_width * kHeight / kWidth;
  cv::Mat out;
  cv::getRectSubPix(world(), cv::Size(static_cast<int>(view_width), static_cast<int>(view_height)),
                    cv::Point2f(static_cast<float>(x + view_width / 2), static_cast<float>(y + view_height / 2)), out);
  cv::resize(out, out, cv::Size(kWidth, kHeight), 0, 0, cv::INTER_AREA);
  return out;
}

nlohmann::json first_segment(const std::function<cv::Mat(int)>& draw) {
  CameraMotionAnalyzer analyzer;
  const auto result = run_on_frames(analyzer, draw, kFrames, kFps);
  return result.at("segments").at(0);
}

// Camera moves of 8 px per frame = 80 px/s = 0.25 frame widths/s, eight times the 0.03 threshold.
TEST(CameraMotion, PanRightMovesTheWindowRight) {
  const auto segment = first_segment([](int i) { return view(400 + 8.0 * i, 300); });
  EXPECT_EQ(segment.at("primary"), "pan_right") << segment.dump(2);
  // Sub-pixel tracking: the estimate is within 5% of 0.25.
  EXPECT_NEAR(segment.at("pan_speed").get<double>(), 0.25, 0.0125);
  EXPECT_NEAR(segment.at("tilt_speed").get<double>(), 0.0, 0.01);
}

TEST(CameraMotion, PanLeft) {
  const auto segment = first_segment([](int i) { return view(600 - 8.0 * i, 300); });
  EXPECT_EQ(segment.at("primary"), "pan_left") << segment.dump(2);
  EXPECT_NEAR(segment.at("pan_speed").get<double>(), -0.25, 0.0125);
}

TEST(CameraMotion, TiltUpMovesTheWindowUp) {
  const auto segment = first_segment([](int i) { return view(500, 500 - 8.0 * i); });
  EXPECT_EQ(segment.at("primary"), "tilt_up") << segment.dump(2);
  EXPECT_NEAR(segment.at("tilt_speed").get<double>(), 0.25, 0.0125);
}

TEST(CameraMotion, TiltDown) {
  const auto segment = first_segment([](int i) { return view(500, 300 + 8.0 * i); });
  EXPECT_EQ(segment.at("primary"), "tilt_down") << segment.dump(2);
}

TEST(CameraMotion, ZoomInShrinksTheWindowAboutItsCentre) {
  // The window narrows by 3% per frame around a fixed centre: scale 1/0.97 per frame, ln = 0.0305,
  // i.e. a zoom rate of 0.305 per second at 10 fps.
  const auto segment = first_segment([](int i) {
    const double w = kWidth * 1.6 * std::pow(0.97, i);
    return view(700 - w / 2, 500 - w * kHeight / kWidth / 2, w);
  });
  EXPECT_EQ(segment.at("primary"), "zoom_in") << segment.dump(2);
  EXPECT_NEAR(segment.at("zoom_rate").get<double>(), 0.305, 0.03);  // 10%: resampling blurs the scale
  EXPECT_NEAR(segment.at("pan_speed").get<double>(), 0.0, 0.01);
}

TEST(CameraMotion, ZoomOut) {
  const auto segment = first_segment([](int i) {
    const double w = kWidth * std::pow(1.03, i);
    return view(700 - w / 2, 500 - w * kHeight / kWidth / 2, w);
  });
  EXPECT_EQ(segment.at("primary"), "zoom_out") << segment.dump(2);
  EXPECT_LT(segment.at("zoom_rate").get<double>(), -0.2);
}

TEST(CameraMotion, StillPictureIsStatic) {
  const auto segment = first_segment([](int) { return view(500, 300); });
  EXPECT_EQ(segment.at("primary"), "static") << segment.dump(2);
  EXPECT_EQ(segment.at("labels"), nlohmann::json::array({"static"}));
  EXPECT_LT(segment.at("jitter").get<double>(), 0.001);
}

TEST(CameraMotion, RandomJitterIsShake) {
  // Each frame is displaced by up to +-8 px in x and y from a fixed point (fixed seed): no net motion.
  std::vector<cv::Point2d> offsets;
  cv::RNG rng(99);
  for (int i = 0; i < kFrames; ++i) offsets.emplace_back(rng.uniform(-8.0, 8.0), rng.uniform(-8.0, 8.0));
  const auto segment = first_segment([&](int i) { return view(500 + offsets[i].x, 300 + offsets[i].y); });
  EXPECT_EQ(segment.at("primary"), "shake") << segment.dump(2);
  EXPECT_GT(segment.at("jitter").get<double>(), 0.008);
}

TEST(CameraMotion, PairAcrossACutIsSkipped) {
  // Ten frames of one place, then a hard cut to a different picture: the cut pair is not measured.
  const cv::Mat other = testing::pattern({20, 200, 30}, {240, 240, 240}, 12, kWidth, kHeight);
  const auto segment = first_segment([&](int i) { return i < 10 ? view(500, 300) : other; });
  EXPECT_EQ(segment.at("cut_pairs"), 1) << segment.dump(2);
  EXPECT_EQ(segment.at("primary"), "static");
}

TEST(CameraMotion, FlatPictureIsUntrackable) {
  const auto segment = first_segment([](int) { return testing::solid({90, 90, 90}, kWidth, kHeight); });
  EXPECT_EQ(segment.at("pairs"), 0);
  EXPECT_EQ(segment.at("untrackable_pairs"), kFrames - 1);
  EXPECT_EQ(segment.at("primary"), "unknown");
}

TEST(CameraMotion, BadSettingIsAUsageError) {
  EXPECT_THROW(parse_camera_motion_settings({{"fps", 0}}), Error);
  EXPECT_THROW(parse_camera_motion_settings({{"speed", 1}}), Error);
}

}  // namespace
}  // namespace vidscope::analyzers
