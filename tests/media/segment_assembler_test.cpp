// The sampling and segmenting rules, with fake pictures (no decoding).
#include <gtest/gtest.h>

#include <map>

#include "media/segment_assembler.h"

namespace vidscope::media::detail {
namespace {

class FakePicture final : public Picture {
 public:
  FakePicture(double time_s, std::int64_t index, int* conversions) : Picture(time_s, index), conversions_(conversions) {}
  FramePtr frame_for(size_t spec_index) override {
    if (!cached_.count(spec_index)) {
      ++*conversions_;
      auto frame = std::make_shared<Frame>();
      frame->time_s = time_s();
      frame->index = index();
      cached_[spec_index] = frame;
    }
    return cached_[spec_index];
  }

 private:
  int* conversions_;
  std::map<size_t, FramePtr> cached_;
};

FrameStreamSpec spec_of(SampleMode mode, int count = 3, double fps = 0) {
  FrameStreamSpec spec;
  spec.mode = mode;
  spec.count = count;
  spec.fps = fps;
  return spec;
}

std::vector<Segment> run(SegmentAssembler& assembler, const std::vector<double>& times, double end_s, int* conversions) {
  std::vector<Segment> out;
  for (size_t i = 0; i < times.size(); ++i) {
    assembler.add_picture(std::make_shared<FakePicture>(times[i], static_cast<std::int64_t>(i), conversions));
    while (assembler.front_ready()) out.push_back(assembler.pop_front());
  }
  assembler.finish(end_s);
  while (assembler.has_segments()) out.push_back(assembler.pop_front());
  return out;
}

TEST(SegmentAssembler, VariableFrameRateIsHandledByTime) {
  // 1 fps for 4 s, then 10 fps for 2 s: per-segment targets pick by time, not by frame count.
  std::vector<double> times = {0, 1, 2, 3};
  for (int i = 0; i < 20; ++i) times.push_back(4.0 + i * 0.1);
  SegmentPlan plan;
  plan.segment_duration_s = 2.0;
  SegmentAssembler assembler(plan, {spec_of(SampleMode::kPerSegment, 2)}, 6.0);
  int conversions = 0;
  const auto segments = run(assembler, times, 6.0, &conversions);
  ASSERT_EQ(segments.size(), 3u);
  EXPECT_DOUBLE_EQ(segments[0].streams[0][0]->time_s, 0.0);   // target 0.5
  EXPECT_DOUBLE_EQ(segments[0].streams[0][1]->time_s, 1.0);   // target 1.5
  EXPECT_NEAR(segments[2].streams[0][0]->time_s, 4.5, 1e-9);  // target 4.5
  EXPECT_NEAR(segments[2].streams[0][1]->time_s, 5.5, 1e-9);  // target 5.5
  EXPECT_EQ(conversions, 6);  // only chosen pictures are converted
}

TEST(SegmentAssembler, SegmentIsReadyOnlyWhenAPictureReachesItsEnd) {
  SegmentPlan plan;
  plan.segment_duration_s = 1.0;
  SegmentAssembler assembler(plan, {spec_of(SampleMode::kEveryFrame)}, 0);
  int conversions = 0;
  assembler.add_picture(std::make_shared<FakePicture>(0.0, 0, &conversions));
  assembler.add_picture(std::make_shared<FakePicture>(0.9, 1, &conversions));
  EXPECT_FALSE(assembler.front_ready());
  assembler.add_picture(std::make_shared<FakePicture>(1.0, 2, &conversions));
  ASSERT_TRUE(assembler.front_ready());
  const Segment first = assembler.pop_front();
  EXPECT_EQ(first.streams[0].size(), 2u);
  EXPECT_FALSE(assembler.front_ready());
  assembler.finish(1.1);
  ASSERT_TRUE(assembler.front_ready());
  const Segment last = assembler.pop_front();
  EXPECT_TRUE(last.is_last);
  EXPECT_TRUE(last.is_partial);
  EXPECT_NEAR(last.t1, 1.1, 1e-12);
}

TEST(SegmentAssembler, FpsModeNeverRepeatsAPicture) {
  SegmentPlan plan;
  plan.segment_duration_s = 10.0;
  SegmentAssembler assembler(plan, {spec_of(SampleMode::kFps, 0, 30.0)}, 0);
  int conversions = 0;
  const auto segments = run(assembler, {0, 0.5, 1.0, 1.5}, 2.0, &conversions);
  ASSERT_EQ(segments.size(), 1u);
  EXPECT_EQ(segments[0].streams[0].size(), 4u);
}

TEST(SegmentAssembler, GapInTheVideoLeavesEmptySegments) {
  SegmentPlan plan;
  plan.segment_duration_s = 1.0;
  SegmentAssembler assembler(plan, {spec_of(SampleMode::kEveryFrame)}, 0);
  int conversions = 0;
  const auto segments = run(assembler, {0.0, 3.5}, 3.6, &conversions);
  ASSERT_EQ(segments.size(), 4u);
  EXPECT_EQ(segments[0].streams[0].size(), 1u);
  EXPECT_TRUE(segments[1].streams[0].empty());
  EXPECT_TRUE(segments[2].streams[0].empty());
  EXPECT_EQ(segments[3].streams[0].size(), 1u);
  EXPECT_TRUE(segments[3].is_last);
}

}  // namespace
}  // namespace vidscope::media::detail
