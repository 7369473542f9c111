#include <gtest/gtest.h>

#include <algorithm>

#include "base/error.h"
#include "pipeline/analysis.h"
#include "pipeline/fakes.h"

namespace vidscope::pipeline {
namespace {

using testing::make_fake;
using testing::Observations;

// counter.mp4: 1920x1080, 10 fps, 30 frames, 3.0 s (tests/data/video/EXPECTED.md).
const std::string kCounterVideo = std::string(VIDSCOPE_TEST_DATA_DIR) + "/video/counter.mp4";

AnalysisRequest request_for(const std::string& path) {
  AnalysisRequest request;
  request.video_path = path;
  request.plan.segment_duration_s = 2.0;
  request.ram_budget = memory::BudgetSpec::parse("1GiB");
  request.threads = 2;
  request.sampler_interval = std::chrono::milliseconds(5);
  return request;
}

TEST(RunAnalysis, RunsAnalyzersOverARealVideo) {
  media::FrameStreamSpec small;
  small.mode = media::SampleMode::kEveryFrame;
  small.max_width = 64;
  small.max_height = 64;
  auto every = std::make_shared<Observations>();
  auto sampled = std::make_shared<Observations>();
  AnalysisRequest request = request_for(kCounterVideo);
  request.analyzers.push_back(make_fake({.name = "every", .frames = small, .resources = {kMiB, 0, 1}}, every));
  request.analyzers.push_back(make_fake({.name = "sampled", .audio = true}, sampled));
  request.analyzer_settings = {{"sampled", {{"k", 1}}}, {"not_run", {}}};
  std::vector<double> fractions;
  const Report report =
      run_analysis(std::move(request), [&](std::string_view, double fraction) { fractions.push_back(fraction); });

  EXPECT_NEAR(report.video.duration_s, 3.0, 0.05);  // container rounding
  ASSERT_EQ(report.segments.size(), 2u);            // [0, 2) and the partial [2, 3)
  EXPECT_FALSE(report.segments[0].is_partial);
  EXPECT_TRUE(report.segments[1].is_partial);
  EXPECT_EQ(every->segments, (std::vector<int>{0, 1}));
  EXPECT_EQ(sampled->segments, (std::vector<int>{0, 1}));
  // The every-frame stream was scaled to fit 64x64 (1920x1080 -> 64x36): the spec reached the decoder.
  EXPECT_EQ(every->frame_widths, (std::vector<int>{64, 64}));
  ASSERT_EQ(report.analyzer_runs.size(), 2u);
  for (const auto& run : report.analyzer_runs) {
    EXPECT_EQ(run.status, RunStatus::kOk) << run.name << ": " << run.error;
    EXPECT_EQ(run.segments, 2);
  }
  EXPECT_EQ(report.analyzers["sampled"]["settings"], nlohmann::json({{"k", 1}}));
  EXPECT_EQ(report.settings.ram_budget, "1GiB");
  EXPECT_EQ(report.settings.ram_budget_bytes, kGiB);
  EXPECT_EQ(report.settings.threads, 2u);
  EXPECT_GT(report.memory.peak_rss_bytes, 0u);
  EXPECT_GT(report.memory.ledger_peak_frames_bytes, 0u);
  EXPECT_FALSE(report.memory.timeline.empty());
  EXPECT_GT(report.total_ms, 0.0);
  const bool warned_about_unused_settings =
      std::any_of(report.warnings.begin(), report.warnings.end(),
                  [](const std::string& w) { return w.find("not_run") != std::string::npos; });
  EXPECT_TRUE(warned_about_unused_settings);
  ASSERT_FALSE(fractions.empty());
  EXPECT_TRUE(std::is_sorted(fractions.begin(), fractions.end()));
  EXPECT_DOUBLE_EQ(fractions.back(), 1.0);
}

TEST(RunAnalysis, ImpossibleBudgetIsReportedBeforeDecoding) {
  auto seen = std::make_shared<Observations>();
  AnalysisRequest request = request_for(kCounterVideo);
  request.ram_budget = memory::BudgetSpec::parse("64MiB");
  request.analyzers.push_back(make_fake({.name = "greedy", .resources = {kGiB, 0, 1}}, seen));
  try {
    run_analysis(std::move(request));
    ADD_FAILURE() << "ran under an impossible budget";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBudget);
    EXPECT_NE(std::string(e.what()).find("greedy"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("64.0 MiB"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(seen->segments.empty());
}

TEST(RunAnalysis, MissingVideoIsAnInputError) {
  AnalysisRequest request = request_for(std::string(VIDSCOPE_TEST_DATA_DIR) + "/video/no-such-file.mp4");
  request.analyzers.push_back(make_fake({.name = "a"}, std::make_shared<Observations>()));
  try {
    run_analysis(std::move(request));
    ADD_FAILURE() << "a missing file was analyzed";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(std::string(e.what()).find("no-such-file.mp4"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace vidscope::pipeline
