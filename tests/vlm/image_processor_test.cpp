#include "vlm/image_processor.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "vlm/test_support.h"

namespace vidscope::vlm {
namespace {

// mean 0 / std 1: a value is exactly float(u8 * (1/255)), so each channel can carry a coordinate.
ProcessorConfig identity_normalisation() {
  ProcessorConfig c;
  c.image_mean = {0.f, 0.f, 0.f};
  c.image_std = {1.f, 1.f, 1.f};
  c.min_pixels = 28 * 28;
  c.max_pixels = 1e7;
  return c;
}

float encode(int v) { return static_cast<float>(v * (1.0 / 255.0)); }

// Frame f: R = x, G = y, B = 10 * f + 3 (x, y < 255).
test::OwnedRgb coordinate_frame(int width, int height, int f) {
  test::OwnedRgb img{width, height, std::vector<std::uint8_t>(static_cast<size_t>(width) * height * 3)};
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      std::uint8_t* p = &img.rgb[(static_cast<size_t>(y) * width + x) * 3];
      p[0] = static_cast<std::uint8_t>(x);
      p[1] = static_cast<std::uint8_t>(y);
      p[2] = static_cast<std::uint8_t>(10 * f + 3);
    }
  }
  return img;
}

// Row order (t, h/2, w/2, 2, 2); inside a row (channel, frame, py, px) — the layout of
// transformers' reshape(gt, 2, C, gh/2, 2, 14, gw/2, 2, 14).permute(0, 3, 6, 4, 7, 2, 1, 5, 8).
TEST(Patchify, RowsInMergeWindowOrderAndColumnsChannelFrameYX) {
  const int width = 84, height = 56;  // grid 4 x 6
  std::vector<test::OwnedRgb> owned;
  for (int f = 0; f < 4; ++f) owned.push_back(coordinate_frame(width, height, f));
  std::vector<RgbImageView> views;
  for (const auto& o : owned) views.push_back(o.view());
  const ProcessorConfig cfg = identity_normalisation();
  const PixelPatches p = patchify_frames(views, cfg);
  ASSERT_EQ(p.grid, (GridThw{2, 4, 6}));
  ASSERT_EQ(p.row_size, 1176);
  ASSERT_EQ(p.values.size(), 48u * 1176);
  size_t row = 0;
  for (int t = 0; t < 2; ++t) {
    for (int bh = 0; bh < 2; ++bh) {
      for (int bw = 0; bw < 3; ++bw) {
        for (int mh = 0; mh < 2; ++mh) {
          for (int mw = 0; mw < 2; ++mw, ++row) {
            const float* r = &p.values[row * 1176];
            for (int c = 0; c < 3; ++c) {
              for (int tt = 0; tt < 2; ++tt) {
                for (int py = 0; py < 14; ++py) {
                  for (int px = 0; px < 14; ++px) {
                    const int x = (bw * 2 + mw) * 14 + px, y = (bh * 2 + mh) * 14 + py;
                    const int expected = c == 0 ? x : c == 1 ? y : 10 * (2 * t + tt) + 3;
                    ASSERT_EQ(*r++, encode(expected)) << "row " << row << " c " << c << " tt " << tt;
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}

TEST(Patchify, StillImageFillsBothFramesOfTheTemporalPatch) {
  const test::OwnedRgb img = coordinate_frame(56, 28, 0);
  const PixelPatches p = preprocess_image(img.view(), identity_normalisation());
  ASSERT_EQ(p.grid, (GridThw{1, 2, 4}));
  for (int64_t row = 0; row < p.rows(); ++row) {
    for (int c = 0; c < 3; ++c) {
      const float* frame0 = &p.values[row * 1176 + c * 392];
      for (int i = 0; i < 196; ++i) ASSERT_EQ(frame0[i], frame0[196 + i]);
    }
  }
}

TEST(Patchify, NormalisesWithMeanAndStd) {
  test::OwnedRgb img{28, 28, std::vector<std::uint8_t>(28 * 28 * 3, 0)};
  for (size_t i = 0; i < img.rgb.size(); i += 3) img.rgb[i] = 255;  // red
  ProcessorConfig cfg;  // CLIP mean / std
  const PixelPatches p = patchify_frames(std::vector<RgbImageView>{img.view()}, cfg);
  EXPECT_EQ(p.grid, (GridThw{1, 2, 2}));
  EXPECT_FLOAT_EQ(p.values[0], (1.0f - kClipMean[0]) / kClipStd[0]);
  EXPECT_FLOAT_EQ(p.values[392], (0.0f - kClipMean[1]) / kClipStd[1]);
  EXPECT_FLOAT_EQ(p.values[784], (0.0f - kClipMean[2]) / kClipStd[2]);
}

TEST(Video, OddFrameCountRepeatsTheLastFrame) {
  std::vector<test::OwnedRgb> owned;
  for (int f = 0; f < 3; ++f) owned.push_back(coordinate_frame(56, 56, f));
  std::vector<RgbImageView> views;
  for (const auto& o : owned) views.push_back(o.view());
  const ProcessorConfig cfg = identity_normalisation();
  const ProcessedVideo v = preprocess_video_bounded(views, 2.0, cfg, cfg.min_pixels, cfg.max_pixels);
  EXPECT_EQ(v.frames_used, 4);
  ASSERT_EQ(v.patches.grid, (GridThw{2, 4, 4}));
  EXPECT_DOUBLE_EQ(v.second_per_grid_t, 1.0);
  // Second temporal patch (rows 16..31): both frames carry frame 2's blue value.
  const float* r = &v.patches.values[16 * 1176];
  EXPECT_EQ(r[2 * 392 + 0], encode(23));
  EXPECT_EQ(r[2 * 392 + 196], encode(23));
}

TEST(Video, TotalPixelBudgetShrinksFrames) {
  std::vector<test::OwnedRgb> owned;
  for (int f = 0; f < 4; ++f) owned.push_back(coordinate_frame(112, 112, f));
  std::vector<RgbImageView> views;
  for (const auto& o : owned) views.push_back(o.view());
  // max per frame = max(min(78400, 3136 / 4 * 2), floor(784 * 1.05)) = 1568 -> 28x28.
  const VideoPixelBudget budget{28 * 28, 100 * 28 * 28, 4 * 28 * 28};
  const ProcessedVideo v = preprocess_video(views, 4.0, ProcessorConfig{}, budget);
  EXPECT_EQ(v.frame_size, (ImageSize{28, 28}));
  EXPECT_EQ(v.patches.grid, (GridThw{2, 2, 2}));
  EXPECT_DOUBLE_EQ(v.second_per_grid_t, 0.5);
}

TEST(Video, RejectsBadFrameLists) {
  const ProcessorConfig cfg;
  EXPECT_THROW(preprocess_video({}, 2.0, cfg), Error);
  const test::OwnedRgb a = coordinate_frame(56, 56, 0), b = coordinate_frame(84, 56, 1);
  const std::vector<RgbImageView> mixed{a.view(), b.view()};
  EXPECT_THROW(preprocess_video(mixed, 2.0, cfg), Error);
  const std::vector<RgbImageView> same{a.view(), a.view()};
  EXPECT_THROW(preprocess_video(same, 0.0, cfg), Error);
  EXPECT_THROW(patchify_frames(std::vector<RgbImageView>{coordinate_frame(50, 56, 0).view()}, cfg), Error);
}

}  // namespace
}  // namespace vidscope::vlm
