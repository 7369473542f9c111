#include <gtest/gtest.h>

#include "base/error.h"
#include "vlm/generator.h"
#include "vlm/segment_workload.h"
#include "vlm/smart_resize.h"

namespace vidscope::vlm {
namespace {

SegmentVisualRequest seeds_job() {
  // The job the issue describes: 3 frames of 336x336 per segment as video, 288 visual tokens.
  SegmentVisualRequest r;
  r.layout = FrameLayout::kVideo;
  r.frames = 3;
  r.frame_width = 336;
  r.frame_height = 336;
  r.max_pixels = 336.0 * 336.0;
  r.batch = 15;
  r.prompt_text_tokens = 34;
  r.max_new_tokens = 64;
  return r;
}

TEST(SegmentWorkload, SeedsJobIsTwoByTwentyFourByTwentyFour) {
  const memory::Workload w = segment_workload(seeds_job());
  EXPECT_EQ(w.grid_t, 2u);  // 3 frames padded to 4, paired
  EXPECT_EQ(w.grid_h, 24u);
  EXPECT_EQ(w.grid_w, 24u);
  EXPECT_EQ(w.visual_tokens_per_segment(2), 288u);
  EXPECT_EQ(w.prefill_tokens(2), 322u);  // the 322-token prompt
  EXPECT_EQ(w.batch_segments, 15u);
  EXPECT_EQ(w.frame_buffer_bytes, 336u * 336u * 3u * 3u * 16u);  // 3 frames x (batch + 1 decoding)
}

TEST(SegmentWorkload, LayoutsCountTemporalPatchesDifferently) {
  SegmentVisualRequest r = seeds_job();
  r.layout = FrameLayout::kImages;  // each image is its own temporal patch
  EXPECT_EQ(segment_workload(r).grid_t, 3u);
  r.layout = FrameLayout::kGrid;    // one image three frames wide, scaled into the same pixel cap
  const memory::Workload grid = segment_workload(r);
  EXPECT_EQ(grid.grid_t, 1u);
  EXPECT_GT(grid.grid_w, grid.grid_h * 2);
  EXPECT_LE(static_cast<double>(grid.grid_h * grid.grid_w * 196), r.max_pixels);
}

TEST(SegmentWorkload, FitToAdmittedWorkloadNarrowsBatchFramesAndPixels) {
  const SegmentVisualRequest asked = seeds_job();
  memory::Workload admitted = segment_workload(asked);
  admitted.batch_segments = 4;
  admitted.grid_t = 1;
  admitted.grid_h = 16;
  admitted.grid_w = 16;
  const SegmentVisualRequest fitted = fit_to_workload(asked, admitted);
  EXPECT_EQ(fitted.batch, 4u);
  EXPECT_EQ(fitted.frames, 2);  // one temporal patch
  EXPECT_DOUBLE_EQ(fitted.max_pixels, 16.0 * 16.0 * 196.0);
  const memory::Workload again = segment_workload(fitted);
  EXPECT_EQ(again.grid_t, 1u);
  EXPECT_EQ(again.grid_h * again.grid_w, 256u);
  // Never larger than asked.
  memory::Workload generous = segment_workload(asked);
  generous.batch_segments = 64;
  EXPECT_EQ(fit_to_workload(asked, generous).batch, 15u);
  EXPECT_EQ(fit_to_workload(asked, generous).frames, 3);
}

TEST(SegmentWorkload, DecodeSideCoversTheModelImage) {
  SegmentVisualRequest r = seeds_job();
  r.frame_width = 1920;
  r.frame_height = 1080;
  const ImageSize model = smart_resize(1080, 1920, 28, r.min_pixels, r.max_pixels);
  EXPECT_GT(model.width, model.height);
  // Decoded one resize factor larger than the model's image, so the processor never upscales.
  EXPECT_EQ(decode_side_for(r), model.width + 28);
}

TEST(SegmentWorkload, BadRequestsAreUsageErrors) {
  SegmentVisualRequest r = seeds_job();
  r.frames = 0;
  EXPECT_THROW(segment_workload(r), Error);
  r = seeds_job();
  r.frame_width = 0;
  EXPECT_THROW(segment_workload(r), Error);
  r = seeds_job();
  r.max_pixels = 100;
  EXPECT_THROW(segment_workload(r), Error);
}

// The planner sizes prefill activations by the chunk the generator pushes through the decoder; the two
// defaults must agree or every plan is off by the ratio of prompt length to chunk.
TEST(SegmentWorkload, PlannerPrefillChunkIsTheGeneratorsChunk) {
  EXPECT_EQ(static_cast<std::int64_t>(memory::PlannerOptions{}.prefill_chunk_tokens),
            GenerationOptions{}.prefill_chunk_tokens);
}

}  // namespace
}  // namespace vidscope::vlm
