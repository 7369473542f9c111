#include "vlm/mrope_positions.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "vlm/test_support.h"

namespace vidscope::vlm {
namespace {

constexpr int kImageBlock = -1;  // placeholders of the reference's --prompt-ids
constexpr int kVideoBlock = -2;

struct PromptCase {
  std::string fixture;
  std::string ckpt;
  std::vector<int> prompt;
};

std::vector<PromptCase> prompt_cases() {
  return {{"ref-s0-video4.json", "ckpt-s0-f32", {5, kVideoBlock, 7, 8}},
          {"ref-s0-noisy.json", "ckpt-s0-f32", {5, 6, kImageBlock, 7, 8, 9}},
          {"ref-s0-grad-video2.json", "ckpt-s0-f32", {kImageBlock, 5, kVideoBlock, 9}},
          {"ref-s1-grad.json", "ckpt-s1-bf16-shards2", {5, 6, kImageBlock, 7, 8, 9}},
          {"ref-s2-video4.json", "ckpt-s2-bf16-tie-random", {11, kVideoBlock, 12, 13, 14}},
          {"ref-s1-noisy-minpix.json", "ckpt-s1-bf16-shards2", {5, kImageBlock, 7}}};
}

SpecialTokenIds ids_from_config(const nlohmann::json& cfg) {
  SpecialTokenIds ids;
  ids.vision_start = cfg.at("vision_start_token_id").get<std::int32_t>();
  ids.vision_end = cfg.at("vision_end_token_id").get<std::int32_t>();
  ids.image_pad = cfg.at("image_token_id").get<std::int32_t>();
  ids.video_pad = cfg.at("video_token_id").get<std::int32_t>();
  return ids;
}

std::vector<GridThw> grids(const nlohmann::json& ref, const char* key) {
  if (!ref.contains(key)) return {};
  const auto& g = ref.at(key);
  return {GridThw{g[0].get<int>(), g[1].get<int>(), g[2].get<int>()}};
}

// The prompt built from pieces (special tokens + vision blocks), flattened.
std::vector<std::int32_t> build_ids(const PromptCase& c, const SpecialTokenIds& ids, const std::vector<GridThw>& images,
                                    const std::vector<GridThw>& videos) {
  std::vector<PromptPiece> pieces;
  for (int v : c.prompt) {
    if (v == kImageBlock) {
      append_vision_block(pieces, ContentItem::make_image(images.at(0)), ids, 2);
    } else if (v == kVideoBlock) {
      append_vision_block(pieces, ContentItem::make_video(videos.at(0)), ids, 2);
    } else {
      pieces.push_back({PromptPiece::Kind::kToken, {}, v, 0});
    }
  }
  return flatten_prompt(pieces, [](std::string_view) { return std::vector<std::int32_t>{}; });
}

TEST(MropePositions, InputIdsAndPositionsMatchReference) {
  for (const PromptCase& c : prompt_cases()) {
    SCOPED_TRACE(c.fixture);
    const nlohmann::json ref = test::load_json_fixture(c.fixture);
    const SpecialTokenIds ids = ids_from_config(test::load_json_fixture(c.ckpt + "/config.json"));
    const auto images = grids(ref, "image_grid_thw");
    const auto videos = grids(ref, "video_grid_thw");
    const std::vector<std::int32_t> input_ids = build_ids(c, ids, images, videos);
    EXPECT_EQ(input_ids, ref.at("input_ids").get<std::vector<std::int32_t>>());

    const MropePositions pos = compute_mrope_positions(input_ids, images, videos, ids, MropeSettings{});
    const auto ref_pos = ref.at("position_ids_thw").get<std::vector<std::vector<std::int32_t>>>();
    ASSERT_EQ(ref_pos.size(), 3u);
    for (int axis = 0; axis < 3; ++axis) EXPECT_EQ(pos.thw[axis], ref_pos[axis]) << "axis " << axis;
    EXPECT_EQ(pos.rope_delta, ref.at("rope_delta").get<std::int64_t>());
  }
}

SpecialTokenIds small_ids() {
  SpecialTokenIds ids;
  ids.vision_start = 1009;
  ids.vision_end = 1010;
  ids.image_pad = 1012;
  ids.video_pad = 1013;
  return ids;
}

std::vector<std::int32_t> seq_with_video(std::int64_t pads) {
  std::vector<std::int32_t> s = {5, 1009};
  s.insert(s.end(), static_cast<size_t>(pads), 1013);
  s.push_back(1010);
  s.push_back(7);
  return s;
}

// Hand-computed: text 5 -> 0, <vision_start> -> 1, video block base 2 over the merged grid (2, 2, 2).
TEST(MropePositions, Qwen2VlVideoUsesTemporalPatchIndex) {
  const std::vector<GridThw> videos = {{2, 4, 4}};
  const auto pos = compute_mrope_positions(seq_with_video(8), {}, videos, small_ids(), MropeSettings{});
  EXPECT_EQ(pos.thw[0], (std::vector<std::int32_t>{0, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 5}));
  EXPECT_EQ(pos.thw[1], (std::vector<std::int32_t>{0, 1, 2, 2, 3, 3, 2, 2, 3, 3, 4, 5}));
  EXPECT_EQ(pos.thw[2], (std::vector<std::int32_t>{0, 1, 2, 3, 2, 3, 2, 3, 2, 3, 4, 5}));
  EXPECT_EQ(pos.rope_delta, 6 - 12);
}

// Qwen2.5-VL: t = trunc(k * second_per_grid_t * tokens_per_second) -> 0, 2 at 2 fps and 2 tokens/s.
TEST(MropePositions, Qwen25VlVideoUsesAbsoluteTime) {
  const std::vector<GridThw> videos = {{2, 4, 4}};
  const MropeSettings s{RopeIndexRules::kQwen25Vl, 2, 2};
  const std::vector<double> spgt = {1.0};
  const auto pos = compute_mrope_positions(seq_with_video(8), {}, videos, small_ids(), s, spgt);
  EXPECT_EQ(pos.thw[0], (std::vector<std::int32_t>{0, 1, 2, 2, 2, 2, 4, 4, 4, 4, 5, 6}));
  EXPECT_EQ(pos.thw[1], (std::vector<std::int32_t>{0, 1, 2, 2, 3, 3, 2, 2, 3, 3, 5, 6}));
  EXPECT_EQ(pos.rope_delta, 7 - 12);
}

// 3 fps: second_per_grid_t = 2/3 as float32 (0.66666669); k = 1, 2, 3 -> 1.33 -> 1, 2.67 -> 2, 4.0 -> 4.
TEST(MropePositions, Qwen25VlFractionalSecondsTruncateInFloat32) {
  const std::vector<GridThw> videos = {{4, 2, 2}};
  const MropeSettings s{RopeIndexRules::kQwen25Vl, 2, 2};
  const std::vector<double> spgt = {2.0 / 3.0};
  const auto pos = compute_mrope_positions(seq_with_video(4), {}, videos, small_ids(), s, spgt);
  EXPECT_EQ(pos.thw[0], (std::vector<std::int32_t>{0, 1, 2, 3, 4, 6, 7, 8}));
  EXPECT_EQ(pos.thw[1], (std::vector<std::int32_t>{0, 1, 2, 2, 2, 2, 7, 8}));
}

TEST(MropePositions, Qwen25VlImagesAndDefaultSecondsPerGrid) {
  // Image block: t stays at the block base. No second_per_grid given: 1.0 as in transformers.
  std::vector<std::int32_t> seq = {1009, 1012, 1012, 1012, 1012, 1010, 1009};
  seq.insert(seq.end(), 2, 1013);
  seq.push_back(1010);
  const std::vector<GridThw> images = {{1, 4, 4}};
  const std::vector<GridThw> videos = {{2, 2, 2}};
  const MropeSettings s{RopeIndexRules::kQwen25Vl, 2, 2};
  const auto pos = compute_mrope_positions(seq, images, videos, small_ids(), s);
  EXPECT_EQ(pos.thw[0], (std::vector<std::int32_t>{0, 1, 1, 1, 1, 3, 4, 5, 7, 8}));
  EXPECT_EQ(pos.thw[2], (std::vector<std::int32_t>{0, 1, 2, 1, 2, 3, 4, 5, 5, 8}));
  EXPECT_EQ(pos.rope_delta, 9 - 10);
}

TEST(MropePositions, TextOnlyIsARange) {
  const std::vector<std::int32_t> seq = {3, 4, 5, 6};
  const auto pos = compute_mrope_positions(seq, {}, {}, small_ids(), MropeSettings{});
  for (const auto& axis : pos.thw) EXPECT_EQ(axis, (std::vector<std::int32_t>{0, 1, 2, 3}));
  EXPECT_EQ(pos.rope_delta, 0);
  EXPECT_EQ(decode_position(4, pos.rope_delta), 4);
  EXPECT_EQ(decode_position(12, -5), 7);
}

TEST(MropePositions, RejectsPromptsThatDoNotMatchTheGrids) {
  const std::vector<GridThw> videos = {{2, 4, 4}};
  const SpecialTokenIds ids = small_ids();
  EXPECT_THROW(compute_mrope_positions(seq_with_video(7), {}, videos, ids, MropeSettings{}), Error);  // short run
  EXPECT_THROW(compute_mrope_positions(seq_with_video(8), {}, {}, ids, MropeSettings{}), Error);      // no grid
  const std::vector<GridThw> two = {{2, 4, 4}, {1, 2, 2}};
  EXPECT_THROW(compute_mrope_positions(seq_with_video(8), {}, two, ids, MropeSettings{}), Error);
  const std::vector<std::int32_t> cut = {5, 1009};  // <|vision_start|> at the very end: not a block
  EXPECT_NO_THROW(compute_mrope_positions(cut, {}, {}, ids, MropeSettings{}));
  const std::vector<double> bad_spgt = {1.0, 2.0};
  EXPECT_THROW(compute_mrope_positions(seq_with_video(8), {}, videos, ids,
                                       MropeSettings{RopeIndexRules::kQwen25Vl, 2, 2}, bad_spgt),
               Error);
}

}  // namespace
}  // namespace vidscope::vlm
