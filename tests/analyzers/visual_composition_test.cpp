// composition: saliency placement, symmetry and horizon tilt on drawn pictures with known geometry.
#include <gtest/gtest.h>

#include <numbers>

#include <opencv2/imgproc.hpp>

#include "analyzers/composition.h"
#include "base/error.h"
#include "synthetic_media.h"

namespace vidscope::analyzers {
namespace {

constexpr int kWidth = 320, kHeight = 180;

cv::Mat blob_at(double x_share, double y_share) {
  cv::Mat image(kHeight, kWidth, CV_8UC3, cv::Scalar(25, 25, 30));
  cv::circle(image, cv::Point(static_cast<int>(x_share * kWidth), static_cast<int>(y_share * kHeight)), 14,
             cv::Scalar(250, 240, 200), cv::FILLED, cv::LINE_AA);
  return image;
}

FrameComposition measure(const cv::Mat& rgb) {
  SaliencyMap saliency;
  return measure_composition(rgb, saliency.compute(rgb), CompositionConfig{});
}

// Sky above, ground below, the boundary through the centre rotated by `degrees` counter-clockwise.
cv::Mat horizon(double degrees) {
  cv::Mat image(kHeight, kWidth, CV_8UC3, cv::Scalar(150, 190, 235));
  const double slope = std::tan(degrees * std::numbers::pi / 180);
  const double cx = kWidth / 2.0, cy = kHeight / 2.0;
  auto y_at = [&](double x) { return static_cast<int>(std::lround(cy - slope * (x - cx))); };
  std::vector<cv::Point> ground = {{0, y_at(0)}, {kWidth - 1, y_at(kWidth - 1)}, {kWidth - 1, kHeight - 1}, {0, kHeight - 1}};
  cv::fillPoly(image, std::vector<std::vector<cv::Point>>{ground}, cv::Scalar(60, 90, 40), cv::LINE_AA);
  return image;
}

TEST(Composition, BlobOnAThirdsIntersectionScoresAboveACentredOne) {
  const FrameComposition thirds = measure(blob_at(1.0 / 3, 1.0 / 3));
  const FrameComposition centred = measure(blob_at(0.5, 0.5));
  // The intersection's Gaussian (sigma 5% of the diagonal) is ~1 over the blob and ~0.004 at the centre.
  EXPECT_GT(thirds.thirds_points_score, 0.5);
  EXPECT_LT(centred.thirds_points_score, 0.1);
  EXPECT_GT(thirds.thirds_lines_share, centred.thirds_lines_share);
  // The centroid follows the blob: (1/3, 1/3) is 1/3 of the half-diagonal from the centre. 0.05 allows
  // for the spectral residual's halo (it is computed at 64x64 and blurred).
  EXPECT_NEAR(thirds.centroid_x, 1.0 / 3, 0.05);
  EXPECT_NEAR(thirds.centroid_y, 1.0 / 3, 0.05);
  EXPECT_NEAR(thirds.center_offset, 1.0 / 3, 0.05);
  EXPECT_LT(centred.center_offset, 0.05);
}

TEST(Composition, TiltedHorizonAngleIsMeasured) {
  // Hough's 1 degree angle step bounds the error; averaging the segments helps. Tolerance 1 degree.
  const FrameComposition up = measure(horizon(8.0));
  ASSERT_TRUE(up.horizon_tilt_deg.has_value());
  EXPECT_NEAR(*up.horizon_tilt_deg, 8.0, 1.0);
  const FrameComposition down = measure(horizon(-5.0));
  ASSERT_TRUE(down.horizon_tilt_deg.has_value());
  EXPECT_NEAR(*down.horizon_tilt_deg, -5.0, 1.0);
  const FrameComposition level = measure(horizon(0.0));
  ASSERT_TRUE(level.horizon_tilt_deg.has_value());
  EXPECT_NEAR(*level.horizon_tilt_deg, 0.0, 1.0);
}

TEST(Composition, NoLineMeansNoHorizon) {
  EXPECT_FALSE(measure(blob_at(0.5, 0.5)).horizon_tilt_deg.has_value());
}

TEST(Composition, MirrorSymmetricPictureScoresNearOne) {
  cv::Mat symmetric(kHeight, kWidth, CV_8UC3, cv::Scalar(40, 40, 40));
  cv::rectangle(symmetric, cv::Rect(40, 40, 60, 100), cv::Scalar(200, 50, 50), cv::FILLED);
  cv::rectangle(symmetric, cv::Rect(kWidth - 100, 40, 60, 100), cv::Scalar(200, 50, 50), cv::FILLED);
  cv::circle(symmetric, cv::Point(kWidth / 2, 60), 20, cv::Scalar(240, 240, 240), cv::FILLED);
  // Exact mirror image up to the half pixel of an even width: correlation above 0.95.
  EXPECT_GT(measure(symmetric).symmetry, 0.95);
  // One blob on the left: its mirror has it on the right, so the picture is far from symmetric.
  EXPECT_LT(measure(blob_at(0.2, 0.5)).symmetry, 0.5);
}

TEST(Composition, AnalyzerReportsSegmentsAndSummary) {
  CompositionAnalyzer analyzer;
  const auto result = testing::run_on_frames(analyzer, [](int) { return horizon(8.0); }, 6, 3.0);
  ASSERT_EQ(result.at("segments").size(), 1u);
  const auto& segment = result.at("segments")[0];
  EXPECT_EQ(segment.at("frames"), 6);
  EXPECT_NEAR(segment.at("horizon_tilt_deg").get<double>(), 8.0, 1.0);
  EXPECT_NEAR(result.at("summary").at("horizon_tilt_deg").get<double>(), 8.0, 1.0);
}

TEST(Composition, BadSettingIsAUsageError) {
  EXPECT_THROW(parse_composition_settings({{"thirds", 1}}), Error);
  EXPECT_THROW(parse_composition_settings({{"max_horizon_deg", 90}}), Error);
}

}  // namespace
}  // namespace vidscope::analyzers
