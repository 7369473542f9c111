#include "vlm/smart_resize.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "vlm/test_support.h"

namespace vidscope::vlm {
namespace {

// Table written by scripts/fixtures/make_resize_tables.py with the reference implementation's own
// smart_resize: every case must match exactly (sizes are integers). Where the reference returns a zero
// side (max_pixels far too small for the aspect ratio) we throw instead of producing an empty image.
TEST(SmartResize, MatchesReferenceTable) {
  const nlohmann::json table = test::load_json_fixture("smart_resize_table.json");
  const int factor = table.at("factor").get<int>();
  int checked = 0, rejected = 0;
  for (const auto& c : table.at("cases")) {
    const int h = c[0].get<int>(), w = c[1].get<int>();
    const double min_pixels = c[2].get<double>(), max_pixels = c[3].get<double>();
    if (c[4].get<int>() < factor || c[5].get<int>() < factor) {
      EXPECT_THROW(smart_resize(h, w, factor, min_pixels, max_pixels), Error) << h << "x" << w;
      ++rejected;
      continue;
    }
    const ImageSize got = smart_resize(h, w, factor, min_pixels, max_pixels);
    ASSERT_EQ(got, (ImageSize{c[4].get<int>(), c[5].get<int>()}))
        << h << "x" << w << " min " << min_pixels << " max " << max_pixels;
    ++checked;
  }
  EXPECT_GT(checked, 1000);
  EXPECT_LE(rejected, 2);
}

// Python round() sends x.5 to the even neighbour: 70/28 = 2.5 -> 2, 126/28 = 4.5 -> 4, 98/28 = 3.5 -> 4.
TEST(SmartResize, RoundsHalfToEven) {
  EXPECT_EQ(smart_resize(70, 70, 28, 56 * 56, 1e7), (ImageSize{56, 56}));
  EXPECT_EQ(smart_resize(126, 98, 28, 56 * 56, 1e7), (ImageSize{112, 112}));
  EXPECT_EQ(smart_resize(42, 154, 28, 28 * 28, 1e7), (ImageSize{56, 168}));  // 1.5 -> 2, 5.5 -> 6
}

TEST(SmartResize, WorkedExamples) {
  // 1920x1080 with the released checkpoints' max_pixels (research notes 1.5): 1092x1932.
  EXPECT_EQ(smart_resize(1080, 1920, 28, 3136, 12845056), (ImageSize{1092, 1932}));
  // A 1080p video sampled to 20 frames under the default budget: 560x1008 per frame.
  EXPECT_EQ(smart_resize(1080, 1920, 28, 128 * 28 * 28, video_frame_max_pixels({}, 20)), (ImageSize{560, 1008}));
}

TEST(SmartResize, RejectsTinyAndExtremeImages) {
  EXPECT_THROW(smart_resize(27, 500, 28, 3136, 1e6), Error);
  EXPECT_THROW(smart_resize(500, 0, 28, 3136, 1e6), Error);
  EXPECT_THROW(smart_resize(28, 28 * 201, 28, 3136, 1e9), Error);  // aspect ratio 201
  EXPECT_NO_THROW(smart_resize(28, 28 * 200, 28, 3136, 1e9));      // exactly 200 is allowed
  EXPECT_THROW(smart_resize(100, 100, 28, 3136, 100), Error);      // max below min
  EXPECT_THROW(smart_resize(100, 100, 0, 3136, 1e6), Error);
  try {
    smart_resize(10, 20, 28, 3136, 1e6);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(std::string(e.what()).find("10x20"), std::string::npos) << e.what();
  }
}

// qwen-vl-utils: max(min(768*784, 24576*784 / n * 2), int(128*784 * 1.05)).
TEST(SmartResize, VideoFrameBudget) {
  const VideoPixelBudget budget;
  EXPECT_DOUBLE_EQ(video_frame_max_pixels(budget, 4), 768.0 * 784);
  EXPECT_DOUBLE_EQ(video_frame_max_pixels(budget, 64), 768.0 * 784);  // exactly at the cap
  EXPECT_DOUBLE_EQ(video_frame_max_pixels(budget, 120), 24576.0 * 784 / 120 * 2);
  EXPECT_DOUBLE_EQ(video_frame_max_pixels(budget, 768), 105369.0);  // floor(100352 * 1.05)
  EXPECT_THROW(video_frame_max_pixels(budget, 0), Error);
}

}  // namespace
}  // namespace vidscope::vlm
