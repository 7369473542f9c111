// Pixel values of the processor against the reference outputs in tests/data/vlm/ref-*.json
// (scripts/fixtures/make_fixtures.sh).
#include <cmath>
#include <cstring>

#include <gtest/gtest.h>

#include "vlm/image_processor.h"
#include "vlm/sha256.h"
#include "vlm/test_support.h"

namespace vidscope::vlm {
namespace {

struct PixelCase {
  std::string fixture;
  std::string ckpt;
  std::string image;                // empty: none
  std::vector<std::string> frames;  // empty: no video
  double min_pixels = 0;            // 0: from preprocessor_config.json
};

const std::vector<std::string> kFrames4 = {"frame0_56x84.png", "frame1_56x84.png", "frame2_56x84.png",
                                           "frame3_56x84.png"};
const std::vector<std::string> kFrames2 = {"frame0_56x84.png", "frame1_56x84.png"};

std::vector<PixelCase> pixel_cases() {
  return {
      {"ref-s0-video4.json", "ckpt-s0-f32", "", kFrames4},
      {"ref-s0-noisy.json", "ckpt-s0-f32", "noisy_45x67.png", {}},
      {"ref-s0-grad-video2.json", "ckpt-s0-f32", "grad_56x84.png", kFrames2},
      {"ref-s1-grad.json", "ckpt-s1-bf16-shards2", "grad_56x84.png", {}},
      {"ref-s2-video4.json", "ckpt-s2-bf16-tie-random", "", kFrames4},
      {"ref-s1-noisy-minpix.json", "ckpt-s1-bf16-shards2", "noisy_45x67.png", {}, 18816},
  };
}

ProcessorConfig config_from_checkpoint(const std::string& ckpt, double min_pixels_override) {
  const nlohmann::json pp = test::load_json_fixture(ckpt + "/preprocessor_config.json");
  ProcessorConfig c;
  c.patch_size = pp.at("patch_size").get<int>();
  c.merge_size = pp.at("merge_size").get<int>();
  c.temporal_patch_size = pp.at("temporal_patch_size").get<int>();
  c.min_pixels = min_pixels_override > 0 ? min_pixels_override : pp.at("min_pixels").get<double>();
  c.max_pixels = pp.at("max_pixels").get<double>();
  for (int i = 0; i < 3; ++i) {
    c.image_mean[i] = static_cast<float>(pp.at("image_mean")[i].get<double>());
    c.image_std[i] = static_cast<float>(pp.at("image_std")[i].get<double>());
  }
  return c;
}

// Checks one pixel summary of the reference (shape, first 16, weighted_sum, sha256 of the f32 bytes).
void expect_matches_summary(const PixelPatches& p, const GridThw& ref_grid, const nlohmann::json& s) {
  EXPECT_EQ(p.grid, ref_grid);
  const auto shape = s.at("shape").get<std::vector<std::int64_t>>();
  ASSERT_EQ(shape, (std::vector<std::int64_t>{p.rows(), p.row_size}));
  // Tolerance: 1e-5 absolute is the reference's own bound for an identical resize (normalised values
  // are O(1), f32 rounding ~1e-7). Resized images may differ by one 8-bit level with another bicubic
  // (0.0146 after /std); ours reproduces Pillow exactly, so the tight bound applies to every case.
  constexpr double kPixelTol = 1e-5;
  const auto first = s.at("first").get<std::vector<double>>();
  for (size_t i = 0; i < first.size(); ++i) EXPECT_NEAR(p.values[i], first[i], kPixelTol) << "value " << i;
  double weighted = 0;
  for (size_t i = 0; i < p.values.size(); ++i) weighted += p.values[i] * ((i % 97) + 1.0) / 97.0;
  const double n = static_cast<double>(p.values.size());
  EXPECT_LE(std::abs(weighted - s.at("weighted_sum").get<double>()) / n, kPixelTol);
  // Same integer resize and the same float32 operations as numpy: the bytes are identical.
  std::vector<std::uint8_t> bytes(p.values.size() * sizeof(float));
  std::memcpy(bytes.data(), p.values.data(), bytes.size());
  EXPECT_EQ(test::sha256_hex(bytes), s.at("sha256_f32le").get<std::string>());
}

GridThw grid_of(const nlohmann::json& j) { return {j[0].get<int>(), j[1].get<int>(), j[2].get<int>()}; }

TEST(ReferencePixels, ImagesAndVideosMatchReference) {
  for (const PixelCase& c : pixel_cases()) {
    SCOPED_TRACE(c.fixture);
    const nlohmann::json ref = test::load_json_fixture(c.fixture);
    const ProcessorConfig cfg = config_from_checkpoint(c.ckpt, c.min_pixels);
    if (!c.image.empty()) {
      const test::OwnedRgb img = test::load_test_image(c.image);
      EXPECT_EQ(ref.at("image_size_hw"), (nlohmann::json{img.height, img.width}));
      expect_matches_summary(preprocess_image(img.view(), cfg), grid_of(ref.at("image_grid_thw")),
                             ref.at("pixel_values"));
    }
    if (!c.frames.empty()) {
      std::vector<test::OwnedRgb> owned;
      for (const auto& f : c.frames) owned.push_back(test::load_test_image(f));
      std::vector<RgbImageView> views;
      for (const auto& o : owned) views.push_back(o.view());
      // The reference bounds video frames with the image min/max pixels of preprocessor_config.json.
      const ProcessedVideo v = preprocess_video_bounded(views, 2.0, cfg, cfg.min_pixels, cfg.max_pixels);
      expect_matches_summary(v.patches, grid_of(ref.at("video_grid_thw")), ref.at("pixel_values_videos"));
    }
  }
}

}  // namespace
}  // namespace vidscope::vlm
