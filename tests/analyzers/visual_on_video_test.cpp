// Every classical visual analyzer on a real decoded file: cuts.mp4 from the generated test media, and
// optionally any file named by VIDSCOPE_VISUAL_SAMPLE (e.g. the README sample from
// `scripts/make-media --sample`), printing the results for a human check.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "analyzers/camera_motion.h"
#include "analyzers/composition.h"
#include "analyzers/content_quality.h"
#include "analyzers/pacing.h"
#include "analyzers/scenes.h"
#include "analyzers/visual_effects.h"
#include "visual_video_runner.h"

namespace vidscope::analyzers {
namespace {

std::string cuts_video() { return std::string(VIDSCOPE_GENERATED_MEDIA_DIR) + "/cuts.mp4"; }

TEST(VisualOnVideo, ScenesOnCutsKeepEveryShot) {
  std::ifstream truth_file(std::string(VIDSCOPE_GENERATED_MEDIA_DIR) + "/cuts.truth.json");
  ASSERT_TRUE(truth_file) << "generated media missing; run ctest (fixture generate_test_media)";
  const nlohmann::json truth = nlohmann::json::parse(truth_file);
  ScenesAnalyzer analyzer;
  const auto result = testing::run_on_video(analyzer, cuts_video());
  // 11 true shots; the shared shot detector also splits the zooming mandelbrot shot (see the pacing
  // test), so 11 or 12. Every shot lands in exactly one scene, the scenes tile the video, and every
  // true hard cut starts a shot (0.05 s: about one frame at 25 fps).
  const size_t shot_count = result.at("shot_count").get<size_t>();
  EXPECT_GE(shot_count, 11u) << result.dump(2);
  EXPECT_LE(shot_count, 12u);
  size_t shots = 0;
  double previous_end = 0;
  std::vector<double> shot_starts;
  for (const auto& scene : result.at("scenes")) {
    EXPECT_NEAR(scene.at("start_s").get<double>(), previous_end, 1e-9);
    previous_end = scene.at("end_s").get<double>();
    for (const auto& shot : scene.at("shots")) shot_starts.push_back(shot.at("start_s").get<double>());
    shots += scene.at("shots").size();
  }
  EXPECT_EQ(shots, shot_count);
  EXPECT_NEAR(previous_end, truth.at("duration_s").get<double>(), 0.05);
  for (const auto& cut : truth.at("hard_cuts_s")) {
    const double t = cut.get<double>();
    EXPECT_TRUE(std::any_of(shot_starts.begin(), shot_starts.end(), [&](double s) { return std::abs(s - t) < 0.05; })) << t;
  }
}

TEST(VisualOnVideo, CutsVideoHasNoFreezeOrSplitAndSkipsCutPairs) {
  VisualEffectsAnalyzer effects;
  const auto fx = testing::run_on_video(effects, cuts_video());
  EXPECT_TRUE(fx.at("fades").empty()) << fx.dump(2);  // the cross-fade goes between pictures, not via black
  EXPECT_NEAR(fx.at("frames_analyzed").get<double>(), 500, 1);  // 20 s at 25 fps; the decoder may give one more
  CameraMotionAnalyzer motion;
  const auto cm = testing::run_on_video(motion, cuts_video());
  int cut_pairs = 0;
  for (const auto& segment : cm.at("segments")) cut_pairs += segment.at("cut_pairs").get<int>();
  // 9 hard cuts, each between two frames of the 10 fps stream, are skipped; a pair inside the 1 s
  // cross-fade or the fast mandelbrot zoom may be skipped as well (their pictures change a lot between
  // samples and corners do not agree on one motion): at least the 9 and at most 3 more.
  EXPECT_GE(cut_pairs, 9) << cm.dump(2);
  EXPECT_LE(cut_pairs, 12);
}

TEST(VisualOnVideo, SampleFileIfGiven) {
  const char* sample = std::getenv("VIDSCOPE_VISUAL_SAMPLE");
  if (!sample) GTEST_SKIP() << "set VIDSCOPE_VISUAL_SAMPLE to a video file to run every visual analyzer on it";
  ScenesAnalyzer scenes;
  CameraMotionAnalyzer motion;
  CompositionAnalyzer composition;
  ContentQualityAnalyzer quality;
  VisualEffectsAnalyzer effects;
  PacingAnalyzer pacing;
  for (Analyzer* analyzer : std::initializer_list<Analyzer*>{&scenes, &motion, &composition, &quality, &effects, &pacing}) {
    const auto result = testing::run_on_video(*analyzer, sample);
    std::cout << "=== " << analyzer->name() << "\n" << result.dump(1) << "\n";
    EXPECT_FALSE(result.is_null());
  }
}

}  // namespace
}  // namespace vidscope::analyzers
