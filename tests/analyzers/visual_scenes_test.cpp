// scenes: shots grouped by colour signature, on a synthetic video with a known scene structure.
#include <gtest/gtest.h>

#include "analyzers/scenes.h"
#include "base/error.h"
#include "synthetic_media.h"

namespace vidscope::analyzers {
namespace {

using testing::pattern;
using testing::run_on_frames;

// Five 2 s shots at 10 fps, each a hard cut from the one before:
//   A  [0,2)  red/yellow stripes 8 px
//   B  [2,4)  blue/cyan stripes 10 px        (different colours: a cutaway)
//   A' [4,6)  red/yellow stripes 20 px       (A's colours, another framing)
//   C  [6,8)  green/black stripes 8 px
//   C' [8,10) black/green stripes 8 px       (C with the stripes swapped: a cut, same colours)
// Truth with the default link window (2): scene 1 = A B A' (A links to A' two shots on, which spans
// B), scene 2 = C C'. With link_window 1 only adjacent shots link: A | B | A' | C C'.
cv::Mat scene_frame(int index) {
  const int shot = index / 20;
  switch (shot) {
    case 0: return pattern({230, 30, 30}, {240, 220, 40}, 8);
    case 1: return pattern({30, 40, 220}, {40, 220, 230}, 10);
    case 2: return pattern({230, 30, 30}, {240, 220, 40}, 20);
    case 3: return pattern({30, 200, 40}, {10, 10, 10}, 8);
    default: return pattern({10, 10, 10}, {30, 200, 40}, 8);
  }
}

std::vector<std::pair<double, double>> scene_spans(const nlohmann::json& result) {
  std::vector<std::pair<double, double>> spans;
  for (const auto& scene : result.at("scenes")) spans.emplace_back(scene.at("start_s"), scene.at("end_s"));
  return spans;
}

TEST(Scenes, CutawayAndSimilarShotsFormTwoScenes) {
  ScenesAnalyzer analyzer;
  const auto result = run_on_frames(analyzer, scene_frame, 100, 10.0);
  ASSERT_EQ(result.at("shot_count"), 5) << result.dump(2);
  const auto spans = scene_spans(result);
  ASSERT_EQ(spans.size(), 2u) << result.dump(2);
  // Shot boundaries are frame times: exact at 10 fps (cut frames 20, 40, 60, 80); 1e-6 for rounding.
  EXPECT_NEAR(spans[0].first, 0.0, 1e-6);
  EXPECT_NEAR(spans[0].second, 6.0, 1e-6);
  EXPECT_NEAR(spans[1].first, 6.0, 1e-6);
  EXPECT_NEAR(spans[1].second, 10.0, 1e-6);
  EXPECT_EQ(result.at("scenes")[0].at("shots").size(), 3u);
  EXPECT_EQ(result.at("scenes")[1].at("shots").size(), 2u);
}

TEST(Scenes, LinkWindowOneJoinsOnlyAdjacentShots) {
  ScenesAnalyzer analyzer;
  const auto result = run_on_frames(analyzer, scene_frame, 100, 10.0, 2.0, {{"link_window", 1}});
  const auto spans = scene_spans(result);
  ASSERT_EQ(spans.size(), 4u) << result.dump(2);
  EXPECT_NEAR(spans[3].first, 6.0, 1e-6);
  EXPECT_NEAR(spans[3].second, 10.0, 1e-6);
}

TEST(Scenes, ThresholdAboveOneKeepsEveryShotApart) {
  // Correlation never exceeds 1, so nothing links: one scene per shot.
  ScenesAnalyzer analyzer;
  const auto result = run_on_frames(analyzer, scene_frame, 100, 10.0, 2.0, {{"similarity_threshold", 1.0}});
  // Identical signatures would still reach 1.0; these shots all differ in framing, so none do.
  EXPECT_EQ(result.at("scene_count"), 5) << result.dump(2);
}

TEST(Scenes, SignatureSimilarityOrdersAsExpected) {
  const cv::Mat a = colour_signature(scene_frame(0)), a2 = colour_signature(scene_frame(45));
  const cv::Mat b = colour_signature(scene_frame(25));
  EXPECT_GT(cv::compareHist(a, a2, cv::HISTCMP_CORREL), 0.7);
  EXPECT_LT(cv::compareHist(a, b, cv::HISTCMP_CORREL), 0.3);
}

TEST(Scenes, UnknownSettingIsAUsageError) {
  EXPECT_THROW(parse_scenes_settings({{"similarity", 0.5}}), Error);
  EXPECT_THROW(parse_scenes_settings({{"link_window", 0}}), Error);
}

TEST(Scenes, NoFramesGiveNoScenes) {
  ScenesAnalyzer analyzer;
  const auto result = run_on_frames(analyzer, scene_frame, 0, 10.0);
  EXPECT_EQ(result.at("scene_count"), 0);
  EXPECT_TRUE(result.at("scenes").empty());
}

}  // namespace
}  // namespace vidscope::analyzers
