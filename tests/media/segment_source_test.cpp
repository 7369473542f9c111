// SegmentSource on the committed PySceneDetect videos (tests/data/video, EXPECTED.md).
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "media_test_util.h"

namespace vidscope::media {
namespace {

using testing::at_fps;
using testing::data_video;
using testing::every_frame;
using testing::frames_of;
using testing::per_segment;
using testing::read_all;

SourceOptions options_with(std::vector<FrameStreamSpec> specs, double duration_s = 1.0, double overlap = 0.0) {
  SourceOptions options;
  options.plan.segment_duration_s = duration_s;
  options.plan.overlap_ratio = overlap;
  options.streams = std::move(specs);
  return options;
}

TEST(SegmentSource, CounterFrameTimesAreIndexOverTen) {
  const auto segments = read_all(data_video("counter.mp4"), options_with({every_frame()}));
  const auto frames = frames_of(segments, 0);
  ASSERT_EQ(frames.size(), 30u);
  for (size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(frames[i]->index, static_cast<std::int64_t>(i));
    EXPECT_NEAR(frames[i]->time_s, i / 10.0, 1e-3);  // PTS = (N-1)/10 s by construction of the file
  }
}

TEST(SegmentSource, CounterFramesAreScaledToFitKeepingAspect) {
  const auto segments = read_all(data_video("counter.mp4"), options_with({per_segment(1, 256)}));
  const FramePtr& frame = segments.front().streams[0].front();
  EXPECT_EQ(frame->width, 256);
  EXPECT_EQ(frame->height, 144);  // 1920x1080 * 256/1920
  EXPECT_EQ(frame->rgb.size(), 256u * 144u * 3u);
}

TEST(SegmentSource, CounterColoursMatchTheLosslessOriginals) {
  // Background of 0-based frames 0, 10 and 20 in the lossless originals (counter-frames/frame001.png,
  // frame011.png, frame021.png of the PySceneDetect resources): grey, red, green.
  struct Expected {
    size_t frame;
    int rgb[3];
  };
  const Expected expected[] = {{5, {89, 97, 109}}, {15, {145, 92, 88}}, {25, {80, 127, 82}}};
  const auto segments = read_all(data_video("counter.mp4"), options_with({every_frame()}));
  const auto frames = frames_of(segments, 0);
  for (const Expected& e : expected) {
    const std::uint8_t* pixel = frames[e.frame]->row(2) + 2 * 3;
    for (int c = 0; c < 3; ++c) {
      // H.264 coding and BT.709 conversion move a flat colour by a few levels; 12 of 255 still tells
      // the three backgrounds apart (they differ by 30+ in some channel).
      EXPECT_NEAR(pixel[c], e.rgb[c], 12) << "frame " << e.frame << " channel " << c;
    }
  }
}

TEST(SegmentSource, DelayedStartBeginsAtZero) {
  const auto segments = read_all(data_video("delayed_start.mp4"), options_with({every_frame()}));
  const auto frames = frames_of(segments, 0);
  ASSERT_EQ(frames.size(), 24u);
  EXPECT_NEAR(frames.front()->time_s, 0.0, 1e-6);   // PySceneDetect asserts < 0.1 s; we normalise exactly
  EXPECT_NEAR(frames.back()->time_s, 23 / 25.0, 1e-3);
}

TEST(SegmentSource, EveryFrameGoesToItsStrideWindowOnce) {
  const auto segments = read_all(data_video("counter.mp4"), options_with({every_frame()}, 1.0));
  ASSERT_EQ(segments.size(), 3u);
  for (const Segment& segment : segments) {
    EXPECT_EQ(segment.streams[0].size(), 10u);
    for (const FramePtr& frame : segment.streams[0]) {
      EXPECT_GE(frame->time_s, segment.t0 - 1e-9);
      EXPECT_LT(frame->time_s, segment.t1);
    }
  }
}

TEST(SegmentSource, PerSegmentPicksTheFrameAtOrBeforeEachTarget) {
  const auto segments = read_all(data_video("counter.mp4"), options_with({per_segment(4)}, 1.0));
  ASSERT_EQ(segments.size(), 3u);
  for (const Segment& segment : segments) {
    ASSERT_EQ(segment.streams[0].size(), 4u);
    for (int i = 0; i < 4; ++i) {
      const double target = segment.t0 + (i + 0.5) * (segment.t1 - segment.t0) / 4;
      const FramePtr& frame = segment.streams[0][static_cast<size_t>(i)];
      EXPECT_GE(frame->time_s, segment.t0 - 1e-9);
      EXPECT_LT(frame->time_s, segment.t1);
      EXPECT_LE(frame->time_s, target + 1e-9);
      EXPECT_GT(frame->time_s, target - 0.1 - 1e-9);  // the latest frame at or before: within one frame (0.1 s)
    }
  }
}

TEST(SegmentSource, FpsModeDeliversTheRequestedRateOnce) {
  const auto segments = read_all(data_video("testvideo.mp4"), options_with({at_fps(2.0)}, 2.0));
  const auto frames = frames_of(segments, 0);
  // 24.024 s at 2 fps: targets 0, 0.5, ..., 24.0 -> 49 frames, each distinct.
  EXPECT_EQ(frames.size(), 49u);
  std::set<std::int64_t> indices;
  for (size_t i = 0; i < frames.size(); ++i) {
    indices.insert(frames[i]->index);
    // Frame at or before target i/2, within one frame period (1001/30000 s).
    EXPECT_LE(frames[i]->time_s, i * 0.5 + 1e-9);
    EXPECT_GT(frames[i]->time_s, i * 0.5 - 1001.0 / 30000 - 1e-9);
  }
  EXPECT_EQ(indices.size(), frames.size());
}

TEST(SegmentSource, FpsAboveTheVideoRateDeliversEachFrameOnce) {
  const auto frames = frames_of(read_all(data_video("counter.mp4"), options_with({at_fps(25.0)})), 0);
  EXPECT_EQ(frames.size(), 30u);
}

TEST(SegmentSource, SegmentsWithoutOverlapEndWithAPartialOne) {
  SegmentSource source(data_video("counter.mp4"), options_with({per_segment(3)}, 2.0));
  EXPECT_EQ(source.expected_segment_count(), 2);
  std::vector<Segment> segments;
  while (auto s = source.next()) segments.push_back(std::move(*s));
  EXPECT_DOUBLE_EQ(source.progress(), 1.0);
  ASSERT_EQ(segments.size(), 2u);
  EXPECT_DOUBLE_EQ(segments[0].t0, 0.0);
  EXPECT_DOUBLE_EQ(segments[0].t1, 2.0);
  EXPECT_FALSE(segments[0].is_last);
  EXPECT_FALSE(segments[0].is_partial);
  EXPECT_DOUBLE_EQ(segments[1].t0, 2.0);
  EXPECT_NEAR(segments[1].t1, 3.0, 1e-6);  // last frame 2.9 s + its 0.1 s duration
  EXPECT_TRUE(segments[1].is_last);
  EXPECT_TRUE(segments[1].is_partial);
  // The partial segment spreads its 3 frames over [2, 3): targets 2.167, 2.5, 2.833 -> frames 21, 25, 28.
  ASSERT_EQ(segments[1].streams[0].size(), 3u);
  EXPECT_EQ(segments[1].streams[0][0]->index, 21);
  EXPECT_EQ(segments[1].streams[0][1]->index, 25);
  EXPECT_EQ(segments[1].streams[0][2]->index, 28);
}

TEST(SegmentSource, OverlappingSegmentsShareFrames) {
  const auto segments = read_all(data_video("counter.mp4"), options_with({per_segment(2), every_frame()}, 2.0, 0.5));
  // stride 1 s: windows [0,2), [1,3), [2,3) (the last clamped to the 3.0 s end).
  ASSERT_EQ(segments.size(), 3u);
  EXPECT_DOUBLE_EQ(segments[1].t0, 1.0);
  EXPECT_NEAR(segments[1].t1, 3.0, 1e-6);
  EXPECT_FALSE(segments[1].is_partial);
  EXPECT_TRUE(segments[2].is_last);
  EXPECT_TRUE(segments[2].is_partial);
  // Targets 0.5/1.5 and 1.5/2.5: the frame at 1.5 s is in both segments and is the same object.
  EXPECT_EQ(segments[0].streams[0][1].get(), segments[1].streams[0][0].get());
  // Every-frame stream: each frame exactly once overall.
  EXPECT_EQ(frames_of(segments, 1).size(), 30u);
}

TEST(SegmentSource, DistinctSpecsWithTheSameOutputShareConversions) {
  const auto segments = read_all(data_video("counter.mp4"), options_with({every_frame(64), per_segment(1, 64)}, 1.0));
  // Same size and quality: the per-segment pick is the very frame the every-frame stream holds.
  const FramePtr& picked = segments[0].streams[1][0];
  bool shared = false;
  for (const FramePtr& f : segments[0].streams[0]) shared |= f.get() == picked.get();
  EXPECT_TRUE(shared);
}

TEST(SegmentSource, OneDecoderThreadGivesTheSameFramesAsAutomatic) {
  SourceOptions single = options_with({every_frame(32)});
  single.decoder_threads = 1;
  const auto reference = frames_of(read_all(data_video("testvideo.mp4"), single), 0);
  const auto threaded = frames_of(read_all(data_video("testvideo.mp4"), options_with({every_frame(32)})), 0);
  ASSERT_EQ(reference.size(), 720u);
  ASSERT_EQ(threaded.size(), reference.size());
  for (size_t i = 0; i < reference.size(); i += 37) {
    EXPECT_DOUBLE_EQ(threaded[i]->time_s, reference[i]->time_s);
    EXPECT_EQ(threaded[i]->rgb, reference[i]->rgb);  // decoding is bit-exact whatever the threading
  }
}

TEST(SegmentSource, ProgressRisesToOne) {
  SegmentSource source(data_video("fades.mp4"), options_with({per_segment(1)}, 1.0));
  double last = 0;
  while (source.next()) {
    EXPECT_GE(source.progress(), last);
    last = source.progress();
  }
  EXPECT_DOUBLE_EQ(last, 1.0);
}

TEST(SegmentSource, InvalidPlanIsAUsageError) {
  SourceOptions options = options_with({every_frame()});
  options.plan.overlap_ratio = 0.95;
  try {
    SegmentSource source(data_video("counter.mp4"), options);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kUsage);
  }
}

}  // namespace
}  // namespace vidscope::media
