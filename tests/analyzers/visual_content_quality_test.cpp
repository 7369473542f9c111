// content_quality: each measure against pictures that differ only in what it measures.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "analyzers/content_quality.h"
#include "base/error.h"
#include "synthetic_media.h"

namespace vidscope::analyzers {
namespace {

constexpr int kWidth = 320, kHeight = 240;

// Smooth shapes in mid-tones (no clipping, little high-frequency content), fixed seed.
cv::Mat clean_picture() {
  cv::Mat image(kHeight, kWidth, CV_8UC3, cv::Scalar(110, 120, 130));
  cv::RNG rng(7);
  for (int i = 0; i < 25; ++i) {
    cv::rectangle(image, cv::Rect(rng.uniform(0, kWidth - 40), rng.uniform(0, kHeight - 40), rng.uniform(10, 40), rng.uniform(10, 40)),
                  cv::Scalar(rng.uniform(40, 215), rng.uniform(40, 215), rng.uniform(40, 215)), cv::FILLED);
  }
  return image;
}

cv::Mat with_noise(const cv::Mat& image, double sigma) {
  cv::Mat noise(image.size(), CV_32FC3), out;
  cv::RNG rng(11);
  rng.fill(noise, cv::RNG::NORMAL, 0, sigma);
  image.convertTo(out, CV_32FC3);
  out += noise;
  out.convertTo(out, CV_8UC3);
  return out;
}

TEST(ContentQuality, BlurLowersSharpness) {
  const cv::Mat sharp = clean_picture();
  cv::Mat blurred;
  cv::GaussianBlur(sharp, blurred, cv::Size(0, 0), 3.0);
  const double sharp_value = measure_frame_quality(sharp).sharpness;
  const double blurred_value = measure_frame_quality(blurred).sharpness;
  // A sigma-3 blur spreads each edge over ~15 px: the Laplacian's variance falls by far more than 10x.
  EXPECT_GT(sharp_value, 10 * blurred_value) << sharp_value << " vs " << blurred_value;
}

TEST(ContentQuality, ClippedHighlightsAndShadowsAreCounted) {
  const FrameQuality normal = measure_frame_quality(clean_picture());
  EXPECT_EQ(normal.black_clip_share, 0.0);
  EXPECT_EQ(normal.white_clip_share, 0.0);
  cv::Mat clipped = clean_picture();
  clipped(cv::Rect(0, 0, kWidth / 2, kHeight)).setTo(cv::Scalar(255, 255, 255));
  clipped(cv::Rect(kWidth / 2, 0, kWidth / 4, kHeight)).setTo(cv::Scalar(0, 0, 0));
  const FrameQuality q = measure_frame_quality(clipped);
  EXPECT_DOUBLE_EQ(q.white_clip_share, 0.5);  // exact: pixel counts
  EXPECT_DOUBLE_EQ(q.black_clip_share, 0.25);
}

TEST(ContentQuality, NoiseEstimateFollowsAddedNoise) {
  const double clean = measure_frame_quality(clean_picture()).noise_sigma;
  const double noisy = measure_frame_quality(with_noise(clean_picture(), 10.0)).noise_sigma;
  // Clean flat areas leave a zero residual (the median ignores the edges). Added sigma 10 in each of
  // R, G, B becomes ~6 in luma (0.299^2 + 0.587^2 + 0.114^2 = 0.44, sqrt = 0.66) before rounding;
  // 15% for quantisation and the kernel's bias at the edges.
  EXPECT_LT(clean, 0.5);
  EXPECT_NEAR(noisy, 6.6, 1.0);
}

TEST(ContentQuality, EightPixelBlocksAreBlocky) {
  // 40x30 random blocks scaled up by 8 with nearest neighbour, light noise inside: strong steps only at
  // block boundaries. The same picture shifted by 4 px has its steps off the grid.
  cv::Mat small(kHeight / 8, kWidth / 8, CV_8UC3), blocky;
  cv::RNG rng(3);
  rng.fill(small, cv::RNG::UNIFORM, 60, 190);
  cv::resize(small, blocky, cv::Size(kWidth, kHeight), 0, 0, cv::INTER_NEAREST);
  blocky = with_noise(blocky, 2.0);
  cv::Mat shifted;
  const cv::Mat shift = (cv::Mat_<double>(2, 3) << 1, 0, 4, 0, 1, 4);
  cv::warpAffine(blocky, shifted, shift, blocky.size(), cv::INTER_NEAREST, cv::BORDER_REFLECT);
  const double on_grid = measure_frame_quality(blocky).blockiness;
  const double off_grid = measure_frame_quality(shifted).blockiness;
  EXPECT_GT(on_grid, 3.0);
  EXPECT_LT(off_grid, 1.0);  // steps now sit inside blocks: fewer at the grid than elsewhere
  // Noise alone has no grid: within 10% of 1.
  EXPECT_NEAR(measure_frame_quality(with_noise(testing::solid({128, 128, 128}, kWidth, kHeight), 8.0)).blockiness, 1.0, 0.1);
}

TEST(ContentQuality, AnalyzerReportsVideoFacts) {
  ContentQualityAnalyzer analyzer;
  AnalyzerContext context;
  context.video.width = kWidth;
  context.video.height = kHeight;
  context.video.fps = 25;
  context.video.bit_rate = 192000;
  context.video.codec = "h264";
  analyzer.begin(context);
  media::Segment segment;
  segment.t1 = 2.0;
  const std::vector<media::FramePtr> frames = {testing::make_frame(clean_picture(), 0, 0.0),
                                               testing::make_frame(with_noise(clean_picture(), 10.0), 1, 1.0)};
  analyzer.process(SegmentInput{segment, frames});
  const auto result = analyzer.finish();
  // 192000 / (320 * 240 * 25) = 0.1 bits per pixel per frame.
  EXPECT_NEAR(result.at("video").at("bits_per_pixel").get<double>(), 0.1, 1e-9);
  EXPECT_EQ(result.at("segments")[0].at("frames"), 2);
  EXPECT_GT(result.at("overall").at("noise_sigma").get<double>(), 2.0);  // mean of ~0 and ~6.6
  EXPECT_FALSE(result.at("overall").at("min_segment_sharpness").is_null());
}

TEST(ContentQuality, UnknownBitrateIsNull) {
  ContentQualityAnalyzer analyzer;
  AnalyzerContext context;
  analyzer.begin(context);
  const auto result = analyzer.finish();
  EXPECT_TRUE(result.at("video").at("bitrate_bps").is_null());
  EXPECT_TRUE(result.at("overall").is_null());
}

TEST(ContentQuality, BadSettingIsAUsageError) {
  EXPECT_THROW(parse_content_quality_settings({{"max_size", 8}}), Error);
  EXPECT_THROW(parse_content_quality_settings({{"sharpness", 1}}), Error);
}

}  // namespace
}  // namespace vidscope::analyzers
