#include "vlm/vision_windows.h"

#include <algorithm>
#include <numeric>

#include <gtest/gtest.h>

#include "base/error.h"
#include "vlm/test_support.h"

namespace vidscope::vlm {
namespace {

// Merged grid 2 x 6, windows of 4 x 4 merged units: window 0 = columns 0-3, window 1 = columns 4-5.
TEST(VisionWindows, HandComputedPartialWindows) {
  const std::vector<GridThw> grids = {{1, 4, 12}};
  const VisionWindows w = compute_vision_windows(grids, {});
  EXPECT_EQ(w.window_index, (std::vector<std::int32_t>{0, 1, 2, 3, 6, 7, 8, 9, 4, 5, 10, 11}));
  EXPECT_EQ(w.cu_window_seqlens, (std::vector<std::int32_t>{0, 32, 48}));
  EXPECT_EQ(w.reverse_index, (std::vector<std::int32_t>{0, 1, 2, 3, 8, 9, 4, 5, 6, 7, 10, 11}));
}

// 8 x 8 merged units divide evenly: transformers pads a whole empty window row and column, whose
// repeated boundaries unique_consecutive removes — four full windows of 16 units (64 patches) remain.
TEST(VisionWindows, EvenGridHasNoEmptyWindows) {
  const std::vector<GridThw> grids = {{1, 16, 16}};
  const VisionWindows w = compute_vision_windows(grids, {});
  EXPECT_EQ(w.cu_window_seqlens, (std::vector<std::int32_t>{0, 64, 128, 192, 256}));
  ASSERT_EQ(w.window_index.size(), 64u);
  EXPECT_EQ(std::vector<std::int32_t>(w.window_index.begin(), w.window_index.begin() + 8),
            (std::vector<std::int32_t>{0, 1, 2, 3, 8, 9, 10, 11}));
  EXPECT_EQ(w.window_index[16], 4);  // second window starts at column 4 of row 0
  EXPECT_EQ(w.window_index[32], 32);  // third window starts at row 4
}

// Table from scripts/fixtures/make_window_table.py, which follows transformers' padded reshape/permute
// formulation step by step (a different construction from ours: no per-window loops).
TEST(VisionWindows, MatchesPaddedReshapeFormulation) {
  const nlohmann::json table = test::load_json_fixture("window_index_table.json");
  const VisionWindowSettings settings{table.at("window_size").get<int>(), table.at("patch_size").get<int>(),
                                      table.at("merge_size").get<int>()};
  ASSERT_GE(table.at("cases").size(), 5u);
  for (const auto& c : table.at("cases")) {
    std::vector<GridThw> grids;
    for (const auto& g : c.at("grids")) grids.push_back({g[0].get<int>(), g[1].get<int>(), g[2].get<int>()});
    SCOPED_TRACE(c.at("grids").dump());
    const VisionWindows w = compute_vision_windows(grids, settings);
    EXPECT_EQ(w.window_index, c.at("window_index").get<std::vector<std::int32_t>>());
    EXPECT_EQ(w.reverse_index, c.at("reverse_index").get<std::vector<std::int32_t>>());
    EXPECT_EQ(w.cu_window_seqlens, c.at("cu_window_seqlens").get<std::vector<std::int32_t>>());
  }
}

TEST(VisionWindows, PermutationInverseAndCoverage) {
  const std::vector<GridThw> grids = {{2, 10, 14}, {1, 4, 4}, {3, 22, 6}};
  const VisionWindows w = compute_vision_windows(grids, {});
  std::int64_t units = 0;
  for (const auto& g : grids) units += g.token_count(2);
  ASSERT_EQ(static_cast<std::int64_t>(w.window_index.size()), units);
  std::vector<std::int32_t> sorted = w.window_index;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::int32_t> iota(sorted.size());
  std::iota(iota.begin(), iota.end(), 0);
  EXPECT_EQ(sorted, iota);  // a permutation
  for (size_t j = 0; j < w.reverse_index.size(); ++j) {
    ASSERT_EQ(w.window_index[static_cast<size_t>(w.reverse_index[j])], static_cast<std::int32_t>(j));
  }
  // Strictly increasing, ends at the patch count, and every temporal-patch boundary is a window
  // boundary (windows never straddle two temporal patches or two images).
  EXPECT_TRUE(std::adjacent_find(w.cu_window_seqlens.begin(), w.cu_window_seqlens.end(),
                                 [](auto a, auto b) { return a >= b; }) == w.cu_window_seqlens.end());
  EXPECT_EQ(w.cu_window_seqlens.back(), units * 4);
  for (std::int32_t b : temporal_patch_cu_seqlens(grids)) {
    EXPECT_TRUE(std::binary_search(w.cu_window_seqlens.begin(), w.cu_window_seqlens.end(), b)) << b;
  }
  // No window holds more than 4 x 4 merged units.
  for (size_t i = 1; i < w.cu_window_seqlens.size(); ++i) {
    EXPECT_LE(w.cu_window_seqlens[i] - w.cu_window_seqlens[i - 1], 64);
  }
}

TEST(VisionWindows, PatchRowsMoveInGroupsOfFour) {
  const std::vector<std::int32_t> units = {2, 0, 1};
  EXPECT_EQ(expand_to_patch_rows(units, 2),
            (std::vector<std::int32_t>{8, 9, 10, 11, 0, 1, 2, 3, 4, 5, 6, 7}));
}

TEST(VisionWindows, TemporalPatchSegments) {
  const std::vector<GridThw> grids = {{2, 4, 6}, {1, 4, 4}};
  EXPECT_EQ(temporal_patch_cu_seqlens(grids), (std::vector<std::int32_t>{0, 24, 48, 64}));
}

TEST(VisionWindows, RejectsBadGrids) {
  EXPECT_THROW(compute_vision_windows(std::vector<GridThw>{{1, 3, 4}}, {}), Error);
  EXPECT_THROW(compute_vision_windows(std::vector<GridThw>{{1, 4, 4}}, {14, 14, 2}), Error);
}

}  // namespace
}  // namespace vidscope::vlm
