#include "models/checkpoint_tensors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "models/error_matchers.h"
#include "models/expected_tensors.h"
#include "models/safetensors_writer.h"

namespace vidscope::models {
namespace {

using ::testing::HasSubstr;
using testing::input_error_message;
using testing::TempDir;
using testing::TensorSpec;

TEST(CanonicalTensorName, MapsBothLayouts) {
  EXPECT_EQ(canonical_tensor_name("visual.blocks.0.attn.qkv.weight"), "visual.blocks.0.attn.qkv.weight");
  EXPECT_EQ(canonical_tensor_name("model.visual.blocks.0.attn.qkv.weight"), "visual.blocks.0.attn.qkv.weight");
  EXPECT_EQ(canonical_tensor_name("model.layers.3.self_attn.q_proj.bias"), "llm.layers.3.self_attn.q_proj.bias");
  EXPECT_EQ(canonical_tensor_name("model.language_model.layers.3.self_attn.q_proj.bias"),
            "llm.layers.3.self_attn.q_proj.bias");
  EXPECT_EQ(canonical_tensor_name("model.embed_tokens.weight"), "llm.embed_tokens.weight");
  EXPECT_EQ(canonical_tensor_name("model.language_model.norm.weight"), "llm.norm.weight");
  EXPECT_EQ(canonical_tensor_name("lm_head.weight"), "lm_head.weight");
  EXPECT_FALSE(canonical_tensor_name("vision_tower.x"));
}

// A tiny config in the Qwen2-VL shape family: every size differs so that swapped dims are caught.
VlmConfig tiny_config(VlmFamily family, bool tied) {
  VlmConfig c;
  c.family = family;
  c.text = {.hidden_size = 12, .num_hidden_layers = 2, .num_attention_heads = 2, .num_key_value_heads = 1,
            .head_dim = 6, .intermediate_size = 20, .vocab_size = 30, .rms_norm_eps = 1e-6, .rope_theta = 1e6,
            .max_position_embeddings = 64, .tie_word_embeddings = tied, .mrope_section = {1, 1, 1},
            .hidden_act = "silu"};
  c.vision.depth = 2;
  c.vision.embed_dim = 8;
  c.vision.num_heads = 2;
  c.vision.intermediate_size = 16;
  c.vision.patch_size = 2;
  c.vision.spatial_merge_size = 2;
  c.vision.temporal_patch_size = 2;
  c.vision.in_channels = 3;
  c.vision.out_hidden_size = 12;
  if (family == VlmFamily::kQwen25VL) {
    c.vision.norm = VisionNorm::kRmsNorm;
    c.vision.mlp = VisionMlp::kGatedGateUpDown;
    c.vision.window_size = 8;
  }
  return c;
}

// Writes every expected tensor (BF16 zeros) under the given layout's names into one file.
void write_checkpoint(const std::filesystem::path& dir, const VlmConfig& config, bool nested_layout,
                      const std::string& skip = "", const std::string& reshape = "") {
  std::vector<TensorSpec> specs;
  for (auto [name, shape] : expected_tensor_shapes(config)) {
    if (name == skip) continue;
    if (name == kLmHeadWeight && config.text.tie_word_embeddings) continue;
    if (name == reshape) shape.back() += 1;
    std::int64_t count = 1;
    for (auto dim : shape) count *= dim;
    std::string stored = name;
    if (name.starts_with("visual.")) stored = (nested_layout ? "model." : "") + name;
    if (name.starts_with("llm.")) stored = (nested_layout ? "model.language_model." : "model.") + name.substr(4);
    specs.push_back({stored, "BF16", shape, std::vector<std::uint8_t>(static_cast<std::size_t>(count) * 2, 0)});
  }
  testing::write_safetensors(dir / "model.safetensors", specs);
}

class CheckpointLayouts : public ::testing::TestWithParam<std::tuple<VlmFamily, bool, bool>> {};

TEST_P(CheckpointLayouts, ResolvesEveryExpectedTensor) {
  const auto [family, nested, tied] = GetParam();
  const VlmConfig config = tiny_config(family, tied);
  TempDir dir("ckpt");
  write_checkpoint(dir.path(), config, nested);
  const WeightSet weights = WeightSet::open_directory(dir.path());
  const CheckpointTensors tensors(weights, tied);
  EXPECT_TRUE(check_checkpoint_tensors(config, tensors).empty());
  EXPECT_NO_THROW(require_checkpoint_matches(config, tensors, dir.path().string()));
  EXPECT_EQ(tensors.lm_head_is_tied(), tied);
  if (tied) {
    EXPECT_EQ(&tensors.get("lm_head.weight"), &tensors.get("llm.embed_tokens.weight"));
  }
  EXPECT_EQ(tensors.get("llm.layers.1.self_attn.k_proj.weight").shape, (std::vector<std::int64_t>{6, 12}));
  EXPECT_EQ(tensors.get("visual.merger.mlp.0.weight").shape, (std::vector<std::int64_t>{32, 32}));
  EXPECT_EQ(tensors.get("visual.patch_embed.proj.weight").shape, (std::vector<std::int64_t>{8, 3, 2, 2, 2}));
  EXPECT_EQ(tensors.get("visual.blocks.0.attn.qkv.weight").name,
            nested ? "model.visual.blocks.0.attn.qkv.weight" : "visual.blocks.0.attn.qkv.weight");
}

INSTANTIATE_TEST_SUITE_P(AllLayouts, CheckpointLayouts,
                         ::testing::Combine(::testing::Values(VlmFamily::kQwen2VL, VlmFamily::kQwen25VL),
                                            ::testing::Bool(), ::testing::Bool()));

TEST(CheckpointTensors, ReportsMissingWrongShapeAndUntiedHead) {
  const VlmConfig config = tiny_config(VlmFamily::kQwen2VL, false);
  TempDir dir("ckpt");
  write_checkpoint(dir.path(), config, false, "llm.layers.1.mlp.up_proj.weight", "visual.blocks.1.mlp.fc2.weight");
  const WeightSet weights = WeightSet::open_directory(dir.path());
  const CheckpointTensors tensors(weights, false);
  const auto problems = check_checkpoint_tensors(config, tensors);
  ASSERT_EQ(problems.size(), 2u);
  const std::string message =
      input_error_message([&] { require_checkpoint_matches(config, tensors, dir.path().string()); });
  EXPECT_THAT(message, HasSubstr("2 problems"));
  EXPECT_THAT(message, HasSubstr("missing tensor llm.layers.1.mlp.up_proj.weight"));
  EXPECT_THAT(message, HasSubstr("visual.blocks.1.mlp.fc2.weight ('visual.blocks.1.mlp.fc2.weight') has shape [8, 17] "
                                 "but config.json implies [8, 16]"));
  EXPECT_THAT(input_error_message([&] { tensors.get("llm.layers.1.mlp.up_proj.weight"); }),
              HasSubstr("'model.layers.1.mlp.up_proj.weight' or 'model.language_model.layers.1.mlp.up_proj.weight'"));
}

TEST(CheckpointTensors, UntiedConfigWithoutHeadReportsMissingHead) {
  VlmConfig config = tiny_config(VlmFamily::kQwen2VL, true);
  TempDir dir("ckpt");
  write_checkpoint(dir.path(), config, false);  // no lm_head.weight written
  const WeightSet weights = WeightSet::open_directory(dir.path());
  config.text.tie_word_embeddings = false;
  const CheckpointTensors tensors(weights, false);
  const auto problems = check_checkpoint_tensors(config, tensors);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].kind, TensorProblem::Kind::kMissing);
  EXPECT_THAT(problems[0].message, HasSubstr("lm_head.weight"));
}

TEST(CheckpointTensors, RejectsMixedLayoutsAndListsUnknownTensors) {
  TempDir dir("ckpt");
  testing::write_safetensors(dir.path() / "model.safetensors",
                             {{"model.norm.weight", "F32", {1}, testing::f32_bytes({1.f})},
                              {"model.language_model.norm.weight", "F32", {1}, testing::f32_bytes({1.f})}});
  const WeightSet mixed = WeightSet::open_directory(dir.path());
  EXPECT_THAT(input_error_message([&] { CheckpointTensors tensors(mixed, false); }),
              HasSubstr("both mean 'llm.norm.weight'"));

  testing::write_safetensors(dir.path() / "model.safetensors",
                             {{"model.norm.weight", "I8", {1}, {1}}, {"mm_projector.w", "F32", {1}, testing::f32_bytes({1.f})}});
  const WeightSet odd = WeightSet::open_directory(dir.path());
  const CheckpointTensors tensors(odd, false);
  EXPECT_EQ(tensors.unrecognized(), (std::vector<std::string>{"mm_projector.w"}));
  VlmConfig config = tiny_config(VlmFamily::kQwen2VL, false);
  bool saw_dtype = false, saw_unexpected = false;
  for (const auto& problem : check_checkpoint_tensors(config, tensors)) {
    saw_dtype |= problem.kind == TensorProblem::Kind::kUnsupportedDType && problem.name == "llm.norm.weight";
    saw_unexpected |= problem.kind == TensorProblem::Kind::kUnexpected && problem.name == "mm_projector.w";
  }
  EXPECT_TRUE(saw_dtype);
  EXPECT_TRUE(saw_unexpected);
}

}  // namespace
}  // namespace vidscope::models
