// Size fitting, rotation, grids, spec descriptions and the VFR rule.
#include <gtest/gtest.h>

#include <algorithm>

#include "base/error.h"
#include "media/frame_converter.h"
#include "media/frame_rate_rule.h"
#include "media/segment_source.h"

namespace vidscope::media {
namespace {

FramePtr solid(int width, int height, std::uint8_t red) {
  auto frame = std::make_shared<Frame>();
  frame->width = width;
  frame->height = height;
  frame->rgb.assign(static_cast<size_t>(width) * height * 3, 0);
  for (size_t i = 0; i < frame->rgb.size(); i += 3) frame->rgb[i] = red;
  return frame;
}

TEST(FitInside, KeepsAspectAndNeverUpscales) {
  using detail::fit_inside;
  using detail::PictureSize;
  EXPECT_EQ(fit_inside({1920, 1080}, 256, 256), (PictureSize{256, 144}));
  EXPECT_EQ(fit_inside({1080, 1920}, 256, 256), (PictureSize{144, 256}));
  EXPECT_EQ(fit_inside({320, 180}, 640, 640), (PictureSize{320, 180}));
  EXPECT_EQ(fit_inside({321, 179}, 100, 0), (PictureSize{100, 56}));
  EXPECT_EQ(fit_inside({1, 1}, 64, 64), (PictureSize{1, 1}));
  EXPECT_EQ(fit_inside({4000, 2}, 100, 100), (PictureSize{100, 1}));  // never below one pixel
}

TEST(RotateRgb, QuarterTurnsMoveTheTopLeftPixel) {
  // 3x2 image with a marked top-left pixel.
  std::vector<std::uint8_t> image(3 * 2 * 3, 0);
  image[0] = 255;
  const auto at = [](const std::vector<std::uint8_t>& img, int width, int x, int y) { return img[(y * width + x) * 3]; };
  EXPECT_EQ(at(detail::rotate_rgb(image, 3, 2, 90), 2, 1, 0), 255);    // clockwise: top-left -> top-right
  EXPECT_EQ(at(detail::rotate_rgb(image, 3, 2, 180), 3, 2, 1), 255);   // -> bottom-right
  EXPECT_EQ(at(detail::rotate_rgb(image, 3, 2, 270), 2, 0, 2), 255);   // -> bottom-left
}

TEST(HorizontalGrid, CommonHeightIsTheSmallest) {
  const FramePtr grid = make_horizontal_grid({solid(64, 36, 10), solid(32, 18, 200), solid(18, 32, 90)});
  EXPECT_EQ(grid->height, 18);
  EXPECT_EQ(grid->width, 32 + 32 + 10);  // 64x36 -> 32x18, 32x18 stays, 18x32 -> 10x18 (rounded down)
  EXPECT_EQ(grid->rgb.size(), static_cast<size_t>(grid->width) * grid->height * 3);
  EXPECT_EQ(grid->row(5)[0], 10);            // first tile's colour
  EXPECT_EQ(grid->row(5)[(40) * 3], 200);    // second tile
  EXPECT_EQ(grid->row(5)[(70) * 3], 90);     // third tile
}

TEST(HorizontalGrid, EmptyInputIsAnError) { EXPECT_THROW(make_horizontal_grid({}), Error); }

TEST(DescribeSpec, ReadsLikeTheLogs) {
  FrameStreamSpec spec;
  spec.mode = SampleMode::kEveryFrame;
  spec.max_width = 256;
  spec.max_height = 256;
  EXPECT_EQ(describe(spec), "every frame <=256x256 area");
  spec.mode = SampleMode::kFps;
  spec.fps = 2;
  spec.max_height = 0;
  spec.quality = ResizeQuality::kBicubic;
  EXPECT_EQ(describe(spec), "2 fps <=256xany bicubic");
}

TEST(FrameRateRule, ConstantRatesWithRoundingAreConstant) {
  std::vector<std::int64_t> pts;
  for (int i = 0; i < 100; ++i) pts.push_back(static_cast<std::int64_t>(i * 1000.0 / 30.0));  // 33/34 ms
  EXPECT_FALSE(detail::is_variable_frame_rate(pts, 1e-3));
  pts.erase(pts.begin() + 50);  // one dropped frame is not a variable rate
  EXPECT_FALSE(detail::is_variable_frame_rate(pts, 1e-3));
}

TEST(FrameRateRule, MixedRatesAreVariable) {
  std::vector<std::int64_t> pts;
  for (int i = 0; i < 20; ++i) pts.push_back(i * 100);
  for (int i = 0; i < 80; ++i) pts.push_back(2000 + static_cast<std::int64_t>(i * 1000.0 / 30.0));
  std::reverse(pts.begin(), pts.end());  // order must not matter (B-frames arrive out of order)
  EXPECT_TRUE(detail::is_variable_frame_rate(pts, 1e-3));
}

}  // namespace
}  // namespace vidscope::media
