#include "vlm/bicubic_resize.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "vlm/sha256.h"
#include "vlm/test_support.h"

namespace vidscope::vlm {
namespace {

test::OwnedRgb load_source(const std::string& name) {
  if (name == "synthetic_320x240") return test::make_synthetic_rgb(320, 240);
  return test::load_test_image(name);
}

// Pillow's Image.resize(BICUBIC) outputs recorded by scripts/fixtures/make_resize_tables.py: up- and
// downscaling (antialias), one axis or both. The resize is integer arithmetic, so bytes must be identical.
TEST(BicubicResize, MatchesPillowBitForBit) {
  const nlohmann::json table = test::load_json_fixture("pil_bicubic_table.json");
  ASSERT_GE(table.at("resizes").size(), 15u);
  for (const auto& r : table.at("resizes")) {
    const std::string source = r.at("source").get<std::string>();
    const int w = r.at("out_w").get<int>(), h = r.at("out_h").get<int>();
    SCOPED_TRACE(source + " -> " + std::to_string(w) + "x" + std::to_string(h));
    const test::OwnedRgb img = load_source(source);
    const std::vector<std::uint8_t> out = resize_bicubic(img.view(), w, h);
    ASSERT_EQ(out.size(), static_cast<size_t>(w) * h * 3);
    const auto first = r.at("first").get<std::vector<int>>();
    for (size_t i = 0; i < first.size() && i < out.size(); ++i) ASSERT_EQ(out[i], first[i]) << "byte " << i;
    EXPECT_EQ(test::sha256_hex(out), r.at("sha256").get<std::string>());
  }
}

TEST(BicubicResize, SameSizeIsACopy) {
  const test::OwnedRgb img = test::make_synthetic_rgb(31, 17);
  EXPECT_EQ(resize_bicubic(img.view(), 31, 17), img.rgb);
}

TEST(BicubicResize, ConstantImageStaysConstant) {
  // Weights are normalised per output pixel, so a flat image stays flat at any scale.
  test::OwnedRgb img{40, 30, std::vector<std::uint8_t>(40 * 30 * 3, 200)};
  for (auto [w, h] : {std::pair{7, 5}, std::pair{113, 77}, std::pair{40, 90}}) {
    const auto out = resize_bicubic(img.view(), w, h);
    for (std::uint8_t v : out) ASSERT_EQ(v, 200);
  }
}

TEST(BicubicResize, RejectsBadInput) {
  const test::OwnedRgb img = test::make_synthetic_rgb(8, 8);
  EXPECT_THROW(resize_bicubic(img.view(), 0, 4), Error);
  EXPECT_THROW(BicubicResizer(8, 8, 4, 4).resize(test::make_synthetic_rgb(9, 8).view()), Error);
  RgbImageView short_buffer{8, 8, std::span<const std::uint8_t>(img.rgb.data(), 10)};
  EXPECT_THROW(resize_bicubic(short_buffer, 4, 4), Error);
}

}  // namespace
}  // namespace vidscope::vlm
