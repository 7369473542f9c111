// The analyzers on real decoded videos (PySceneDetect's test clips, tests/data/video/EXPECTED.md),
// through media::SegmentSource the way the pipeline feeds them.
#include <filesystem>

#include <gtest/gtest.h>

#include "analyzers/audio_loudness.h"
#include "analyzers/color.h"
#include "analyzers/shot_cuts.h"
#include "media/segment_source.h"

namespace vidscope::analyzers {
namespace {

std::string video_path(const std::string& name) { return std::string(VIDSCOPE_TEST_DATA_DIR) + "/video/" + name; }

nlohmann::json run_on_video(Analyzer& analyzer, const std::string& path, nlohmann::json settings = nlohmann::json::object()) {
  AnalyzerContext context;
  context.video = media::probe_video(path);
  context.settings = std::move(settings);
  const AnalyzerNeeds needs = analyzer.needs(context);
  media::SourceOptions options;
  options.plan = context.plan;
  if (needs.frames) options.streams.push_back(*needs.frames);
  options.want_audio = needs.audio;
  media::SegmentSource source(path, options);
  analyzer.begin(context);
  const std::vector<media::FramePtr> no_frames;
  while (auto segment = source.next()) {
    analyzer.process(SegmentInput{*segment, needs.frames ? segment->streams.at(0) : no_frames});
  }
  return analyzer.finish();
}

TEST(OnVideo, TestvideoHardCutsMatchPySceneDetect) {
  ShotCutsAnalyzer analyzer;
  const auto result = run_on_video(analyzer, video_path("testvideo.mp4"));
  // ContentDetector golden: frames 30, 180, 394 at 30000/1001 fps. 0.1 s tolerance (3 frames).
  const std::vector<double> expected = {1.001, 6.006, 13.146};
  const auto& cuts = result.at("hard_cuts");
  ASSERT_EQ(cuts.size(), expected.size()) << cuts.dump(2);
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(cuts[i].at("time_s").get<double>(), expected[i], 0.1);
  EXPECT_EQ(result.at("frames_analyzed"), 720);
}

TEST(OnVideo, TestvideoFadesAndDissolveAreGradual) {
  ShotCutsAnalyzer analyzer;
  const auto result = run_on_video(analyzer, video_path("testvideo.mp4"));
  // EXPECTED.md content structure: fade in 211-240, fade out 331-360, fade in 394-423 (starts with the
  // hard cut at 394), dissolve 529-558, fade out 664-693. Each must appear as a gradual transition
  // overlapping those frames (within 3 frames).
  struct Expected { std::int64_t first, last; const char* kind; };
  const std::vector<Expected> expected = {{211, 240, "fade_in"}, {331, 360, "fade_out"}, {394, 423, "fade_in"},
                                          {529, 558, "dissolve"}, {664, 693, "fade_out"}};
  const auto& transitions = result.at("gradual_transitions");
  ASSERT_EQ(transitions.size(), expected.size()) << transitions.dump(2);
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(transitions[i].at("start_frame").get<double>(), expected[i].first, 3) << i;
    EXPECT_NEAR(transitions[i].at("end_frame").get<double>(), expected[i].last, 3) << i;
    EXPECT_EQ(transitions[i].at("kind"), expected[i].kind) << i;
  }
  // ThresholdDetector golden for the whole video: 15, 198, 377.
  std::vector<std::int64_t> fade_cuts;
  for (const auto& cut : result.at("fade_cuts")) fade_cuts.push_back(cut.at("frame_index").get<std::int64_t>());
  EXPECT_EQ(fade_cuts, (std::vector<std::int64_t>{15, 198, 377}));
}

TEST(OnVideo, FadesHaveNoHardCuts) {
  ShotCutsAnalyzer analyzer;
  const auto result = run_on_video(analyzer, video_path("fades.mp4"));
  EXPECT_TRUE(result.at("hard_cuts").empty()) << result.at("hard_cuts").dump(2);
  // ThresholdDetector golden: [84, 167].
  std::vector<std::int64_t> fade_cuts;
  for (const auto& cut : result.at("fade_cuts")) fade_cuts.push_back(cut.at("frame_index").get<std::int64_t>());
  EXPECT_EQ(fade_cuts, (std::vector<std::int64_t>{84, 167}));
}

TEST(OnVideo, AdaptiveOnTestvideoFindsTheThreeCuts) {
  ShotCutsAnalyzer analyzer;
  const auto result = run_on_video(analyzer, video_path("testvideo.mp4"), {{"method", "adaptive"}});
  // PySceneDetect's AdaptiveDetector golden also has 691 (23.056 s) in the fade-out; the fade guard
  // (docs/analyzers.md) keeps it out, so the three real cuts are expected.
  const auto& cuts = result.at("hard_cuts");
  ASSERT_EQ(cuts.size(), 3u) << cuts.dump(2);
  EXPECT_NEAR(cuts[2].at("time_s").get<double>(), 13.146, 0.1);
}

TEST(OnVideo, CounterColourChangesAreCuts) {
  ShotCutsAnalyzer analyzer;
  const auto result = run_on_video(analyzer, video_path("counter.mp4"));
  // Grey -> red at frame 10 (1.0 s) and red -> green at frame 20 (2.0 s). PySceneDetect misses the first
  // because its minimum is 15 frames (1.5 s at 10 fps); ours is 0.5 s.
  const auto& cuts = result.at("hard_cuts");
  ASSERT_EQ(cuts.size(), 2u) << cuts.dump(2);
  EXPECT_NEAR(cuts[0].at("time_s").get<double>(), 1.0, 0.1);
  EXPECT_NEAR(cuts[1].at("time_s").get<double>(), 2.0, 0.1);
}

TEST(OnVideo, ColorAndLoudnessRunOnVideoWithoutAudio) {
  ColorAnalyzer color;
  const auto colors = run_on_video(color, video_path("counter.mp4"));
  ASSERT_FALSE(colors.at("segments").empty());
  EXPECT_FALSE(colors.at("summary").is_null());
  // counter.mp4: grey background for 0-1 s, a muted red for 1-2 s, green for 2-3 s (EXPECTED.md). With
  // 2 s segments the first segment holds grey and red, the second only green. Margins of 30 (20) levels
  // between channels separate "reddish" ("greenish") from grey whatever the exact encoded shade.
  const auto& segments = colors.at("segments");
  ASSERT_EQ(segments.size(), 2u) << colors.dump(2);
  auto channel = [](const nlohmann::json& color, int c) { return color.at("rgb")[static_cast<size_t>(c)].get<int>(); };
  bool saw_red = false;
  for (const auto& color : segments[0].at("dominant_colors")) {
    if (color.at("share").get<double>() >= 0.3 && channel(color, 0) >= channel(color, 1) + 30 &&
        channel(color, 0) >= channel(color, 2) + 30) {
      saw_red = true;
    }
  }
  EXPECT_TRUE(saw_red) << segments[0].dump(2);
  const auto& top = segments[1].at("dominant_colors").at(0);
  EXPECT_GE(top.at("share").get<double>(), 0.9);
  EXPECT_GE(channel(top, 1), channel(top, 0) + 20);
  EXPECT_GE(channel(top, 1), channel(top, 2) + 20);

  AudioLoudnessAnalyzer loudness;
  EXPECT_EQ(run_on_video(loudness, video_path("testvideo.mp4")), nlohmann::json({{"has_audio", false}}));
}

}  // namespace
}  // namespace vidscope::analyzers
