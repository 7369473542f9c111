#include "analyzers/color.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "synthetic_media.h"

namespace vidscope::analyzers {
namespace {

using testing::make_frame;
using testing::solid;

nlohmann::json run_segments(ColorAnalyzer& analyzer, const std::vector<std::vector<cv::Mat>>& segments,
                            double segment_s = 2.0) {
  analyzer.begin(AnalyzerContext{});
  for (size_t i = 0; i < segments.size(); ++i) {
    media::Segment segment;
    segment.index = static_cast<int>(i);
    segment.t0 = static_cast<double>(i) * segment_s;
    segment.t1 = segment.t0 + segment_s;
    std::vector<media::FramePtr> frames;
    for (const cv::Mat& image : segments[i]) frames.push_back(make_frame(image, 0, segment.t0));
    analyzer.process(SegmentInput{segment, frames});
  }
  return analyzer.finish();
}

cv::Mat red_blue() {
  cv::Mat image = solid({255, 0, 0}, 320, 180);
  image(cv::Rect(160, 0, 160, 180)).setTo(cv::Scalar(0, 0, 255));
  return image;
}

TEST(Color, HalfRedHalfBlueGivesTwoColoursOfEqualShare) {
  ColorAnalyzer analyzer;
  const auto result = run_segments(analyzer, {{red_blue(), red_blue(), red_blue()}});
  const auto& colors = result.at("segments")[0].at("dominant_colors");
  ASSERT_EQ(colors.size(), 2u) << colors.dump(2);
  std::set<std::string> hexes;
  double total = 0;
  for (const auto& color : colors) {
    hexes.insert(color.at("hex").get<std::string>());
    // Strided sampling over 320-wide rows hits both halves equally; 0.02 allows for the stride phase.
    EXPECT_NEAR(color.at("share").get<double>(), 0.5, 0.02);
    total += color.at("share").get<double>();
  }
  EXPECT_NEAR(total, 1.0, 1e-9);
  // Lab round trip of pure primaries is exact to 8 bits.
  EXPECT_EQ(hexes, (std::set<std::string>{"#ff0000", "#0000ff"}));
}

TEST(Color, GrayHasZeroColorfulnessAndSaturation) {
  ColorAnalyzer analyzer;
  const auto result = run_segments(analyzer, {{solid({128, 128, 128}, 320, 180)}});
  const auto& segment = result.at("segments")[0];
  EXPECT_DOUBLE_EQ(segment.at("colorfulness").get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(segment.at("saturation").get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(segment.at("contrast").get<double>(), 0.0);
  EXPECT_NEAR(segment.at("brightness").get<double>(), 128.0 / 255.0, 1e-9);
  EXPECT_TRUE(segment.at("warm_share").is_null());  // no saturated pixel to call warm or cool
  ASSERT_EQ(segment.at("dominant_colors").size(), 1u);
  EXPECT_EQ(segment.at("dominant_colors")[0].at("hex"), "#808080");
}

TEST(Color, ColorfulnessMatchesHaslerSuesstrunkByHand) {
  // Half red (rg = 255, yb = 127.5), half blue (rg = 0, yb = -255):
  // sigma_rg = 127.5, sigma_yb = 191.25, mu_rg = 127.5, mu_yb = -63.75.
  ColorAnalyzer analyzer;
  const auto result = run_segments(analyzer, {{red_blue()}});
  const double expected = std::hypot(127.5, 191.25) + 0.3 * std::hypot(127.5, -63.75);
  EXPECT_NEAR(result.at("segments")[0].at("colorfulness").get<double>(), expected, 1e-6);
  // Red counts as warm, blue as cool, all pixels are saturated.
  EXPECT_NEAR(result.at("segments")[0].at("warm_share").get<double>(), 0.5, 1e-9);
  EXPECT_NEAR(result.at("segments")[0].at("saturated_share").get<double>(), 1.0, 1e-9);
}

TEST(Color, ResultsAreDeterministic) {
  cv::Mat noise(180, 320, CV_8UC3);
  cv::RNG rng(7);
  rng.fill(noise, cv::RNG::UNIFORM, 0, 256);
  ColorAnalyzer first, second;
  EXPECT_EQ(run_segments(first, {{noise}}).dump(), run_segments(second, {{noise}}).dump());
}

TEST(Color, SummaryIsDurationWeighted) {
  ColorAnalyzer analyzer;
  analyzer.begin(AnalyzerContext{});
  const std::vector<std::pair<double, cv::Scalar>> parts = {{3.0, {255, 255, 255}}, {1.0, {0, 0, 0}}};
  double t = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    media::Segment segment;
    segment.index = static_cast<int>(i);
    segment.t0 = t;
    segment.t1 = t + parts[i].first;
    t = segment.t1;
    const std::vector<media::FramePtr> frames = {make_frame(solid(parts[i].second, 64, 64), 0, segment.t0)};
    analyzer.process(SegmentInput{segment, frames});
  }
  const auto result = analyzer.finish();
  EXPECT_NEAR(result.at("summary").at("brightness").get<double>(), 0.75, 1e-9);
  const auto& colors = result.at("summary").at("dominant_colors");
  ASSERT_EQ(colors.size(), 2u);
  EXPECT_EQ(colors[0].at("hex"), "#ffffff");
  EXPECT_NEAR(colors[0].at("share").get<double>(), 0.75, 1e-9);
}

TEST(Color, SegmentWithoutFramesHasNoMetrics) {
  ColorAnalyzer analyzer;
  const auto result = run_segments(analyzer, {{}});
  EXPECT_EQ(result.at("segments")[0].at("frames"), 0);
  EXPECT_FALSE(result.at("segments")[0].contains("brightness"));
  EXPECT_TRUE(result.at("summary").is_null());
}

TEST(Color, NeedsThreeAreaScaledFramesPerSegment) {
  ColorAnalyzer analyzer;
  const auto needs = analyzer.needs(AnalyzerContext{});
  ASSERT_TRUE(needs.frames.has_value());
  EXPECT_EQ(needs.frames->mode, media::SampleMode::kPerSegment);
  EXPECT_EQ(needs.frames->count, 3);
  EXPECT_EQ(needs.frames->max_width, 320);
  EXPECT_EQ(needs.frames->quality, media::ResizeQuality::kArea);
  AnalyzerContext bad;
  bad.settings = {{"k", 3}};
  EXPECT_THROW(analyzer.needs(bad), Error);
}

}  // namespace
}  // namespace vidscope::analyzers
