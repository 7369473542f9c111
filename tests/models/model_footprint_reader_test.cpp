#include <gtest/gtest.h>

#include "base/error.h"
#include "models/model_footprint_reader.h"
#include "models/weight_set.h"

namespace vidscope::models {
namespace {

const std::string kTinyF32 = std::string(VIDSCOPE_TEST_DATA_DIR) + "/vlm/ckpt-s0-f32";
const std::string kTinyTied = std::string(VIDSCOPE_TEST_DATA_DIR) + "/vlm/ckpt-s2-bf16-tie-random";

// The footprint is the checkpoint as stored: the same tensors and the same bytes as the safetensors headers.
TEST(ModelFootprintReader, MatchesTheSafetensorsHeadersExactly) {
  const auto footprint = read_model_footprint(kTinyF32);
  const auto weights = WeightSet::open_directory(kTinyF32);
  Bytes total = 0;
  for (const auto& tensor : footprint.tensors) total += tensor.stored_bytes();
  EXPECT_EQ(total, weights.total_bytes());
  EXPECT_EQ(footprint.tensors.size(), weights.tensors().size());
  EXPECT_GT(footprint.dims.llm.layers, 0u);
  EXPECT_EQ(footprint.dims.llm.head_dim * footprint.dims.llm.heads, footprint.dims.llm.hidden);
}

TEST(ModelFootprintReader, TiedModelHasNoSeparateLmHead) {
  const auto footprint = read_model_footprint(kTinyTied);
  EXPECT_TRUE(footprint.dims.llm.tied_lm_head);
  for (const auto& tensor : footprint.tensors) EXPECT_NE(tensor.group, memory::TensorGroup::kLmHead) << tensor.name;
}

TEST(ModelFootprintReader, MissingDirectoryIsAnInputError) {
  EXPECT_THROW(read_model_footprint("/nonexistent/model"), Error);
}

}  // namespace
}  // namespace vidscope::models
