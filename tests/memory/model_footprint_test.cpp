#include "memory/model_footprint.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>

#include "base/error.h"
#include "memory/weight_precision.h"

namespace vidscope::memory {
namespace {

const TensorSpec* find_tensor(const ModelFootprint& model, const std::string& name) {
  for (const TensorSpec& t : model.tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

// Sanity anchor: the Hub index of Qwen2-VL-2B lists total_size = 4,417,971,200 bytes of bf16 weights,
// i.e. exactly 2,208,985,600 parameters. Matching it to the parameter validates dims, tying and names.
TEST(ModelFootprint, Qwen2Vl2bMatchesTheCheckpointByteCountExactly) {
  const ModelFootprint model = qwen2vl_footprint("qwen2-vl-2b", qwen2vl_2b_dims());
  EXPECT_EQ(parameter_count(model), 2'208'985'600u);
  EXPECT_EQ(stored_weight_breakdown(model).total(), 4'417'971'200u);
  EXPECT_EQ(find_tensor(model, "lm_head.weight"), nullptr) << "2B ties lm_head to the embedding";
}

// Anchors from published model sizes ("7B" is 8.29e9 with the vision tower; 2.5-VL 3B is 3.75e9).
// 0.2 % tolerance: the published figures are rounded to three or four digits.
TEST(ModelFootprint, LargerModelsMatchTheirPublishedSizes) {
  const auto near = [](std::uint64_t count, double expected) {
    return std::abs(static_cast<double>(count) - expected) / expected < 0.002;
  };
  EXPECT_TRUE(near(parameter_count(qwen2vl_footprint("7b", qwen2vl_7b_dims())), 8.291e9));
  EXPECT_TRUE(near(parameter_count(qwen2vl_footprint("2.5-3b", qwen25vl_3b_dims())), 3.755e9));
  EXPECT_TRUE(near(parameter_count(qwen2vl_footprint("2.5-7b", qwen25vl_7b_dims())), 8.292e9));
}

TEST(ModelFootprint, GeneratesHubNamesAndLinearShapesAsOutByIn) {
  const ModelDims dims = qwen2vl_2b_dims();
  const ModelFootprint model = qwen2vl_footprint("2b", dims);
  const TensorSpec* qkv = find_tensor(model, "visual.blocks.31.attn.qkv.weight");
  ASSERT_NE(qkv, nullptr);
  EXPECT_EQ(qkv->shape, (std::vector<std::uint64_t>{3ull * dims.vision.embed_dim, dims.vision.embed_dim}));
  const TensorSpec* down = find_tensor(model, "model.layers.27.mlp.down_proj.weight");
  ASSERT_NE(down, nullptr);
  EXPECT_EQ(down->shape, (std::vector<std::uint64_t>{dims.llm.hidden, dims.llm.intermediate}));
  EXPECT_EQ(down->layer, 27u);
  EXPECT_EQ(down->group, TensorGroup::kLlmLayer);
  const TensorSpec* k_bias = find_tensor(model, "model.layers.0.self_attn.k_proj.bias");
  ASSERT_NE(k_bias, nullptr);
  EXPECT_EQ(k_bias->shape, (std::vector<std::uint64_t>{std::uint64_t{dims.llm.kv_heads} * dims.llm.head_dim}));
  EXPECT_EQ(find_tensor(model, "model.layers.0.self_attn.o_proj.bias"), nullptr) << "o_proj has no bias";
  const TensorSpec* merger = find_tensor(model, "visual.merger.mlp.2.weight");
  ASSERT_NE(merger, nullptr);
  EXPECT_EQ(merger->shape[0], dims.llm.hidden);
  EXPECT_NE(find_tensor(qwen2vl_footprint("7b", qwen2vl_7b_dims()), "lm_head.weight"), nullptr);
}

// A small model with awkward widths (inputs not a multiple of 32, an f32 tensor) so that the int4
// rounding and the stored-size rule are both exercised.
ModelFootprint small_model() {
  ModelDims dims;
  dims.llm = LlmDims{2, 40, 4, 2, 10, 72, 50, false, 256};
  dims.vision.depth = 1;
  dims.vision.embed_dim = 24;
  dims.vision.num_heads = 2;
  dims.vision.mlp_dim = 36;
  dims.vision.out_hidden_size = 40;
  std::vector<TensorSpec> tensors = qwen2vl_tensors(dims);
  tensors.push_back(TensorSpec{"model.layers.1.extra_proj.weight", {7, 33}, 4, TensorGroup::kLlmLayer, 1});
  return make_footprint("small", dims, std::move(tensors));
}

// The formulas of docs/memory-model.md, written out again independently of the library.
Bytes expected_bytes(const TensorSpec& t, Precision p) {
  const bool linear = t.shape.size() == 2 && t.name.ends_with("weight") && t.group != TensorGroup::kEmbedding &&
                      t.group != TensorGroup::kFinalNorm;
  if (!linear) return t.element_count() * t.stored_element_bytes;
  const Bytes rows = t.shape[0];
  const Bytes in = t.shape[1];
  switch (p) {
    case Precision::kBf16: return rows * in * 2;
    case Precision::kInt8: return rows * in + rows * 4;
    case Precision::kInt4: return rows * ((in + 1) / 2) + rows * ((in + 31) / 32) * 2;
  }
  return 0;
}

TEST(WeightPrecision, BreakdownEqualsTheSumOverTensorsAtEveryPrecision) {
  const ModelFootprint model = small_model();
  for (Precision p : {Precision::kBf16, Precision::kInt8, Precision::kInt4}) {
    Bytes expected = 0;
    Bytes expected_layer1 = 0;
    for (const TensorSpec& t : model.tensors) {
      expected += expected_bytes(t, p);
      if (t.group == TensorGroup::kLlmLayer && t.layer == 1) expected_layer1 += expected_bytes(t, p);
    }
    const WeightBreakdown w = weight_breakdown(model, p, QuantPolicy{});
    EXPECT_EQ(w.total(), expected) << precision_name(p);
    ASSERT_EQ(w.llm_layers.size(), 2u);
    EXPECT_EQ(w.llm_layers[1], expected_layer1) << precision_name(p);
    EXPECT_EQ(w.llm_layers_first(1) + w.llm_layers[1], w.llm_layers_total());
  }
}

TEST(WeightPrecision, QuantizationShrinksLinearsButNotEmbeddingsNormsOrBiases) {
  const ModelFootprint model = qwen2vl_footprint("2b", qwen2vl_2b_dims());
  const WeightBreakdown bf16 = weight_breakdown(model, Precision::kBf16, QuantPolicy{});
  const WeightBreakdown int4 = weight_breakdown(model, Precision::kInt4, QuantPolicy{});
  EXPECT_EQ(int4.embedding, bf16.embedding) << "the (tied) embedding stays at its stored size";
  EXPECT_EQ(int4.lm_head, 0u);
  EXPECT_EQ(int4.final_norm, bf16.final_norm);
  EXPECT_LT(int4.llm_layers_total(), bf16.llm_layers_total() / 3);
  QuantPolicy keep_vision;
  keep_vision.quantize_vision_tower = false;
  EXPECT_EQ(weight_breakdown(model, Precision::kInt4, keep_vision).vision_tower, bf16.vision_tower);
  const TensorSpec bias{"model.layers.0.self_attn.q_proj.bias", {1536}, 2, TensorGroup::kLlmLayer, 0};
  EXPECT_FALSE(is_quantized_linear(bias, QuantPolicy{}));
  EXPECT_EQ(tensor_bytes(bias, Precision::kInt4, QuantPolicy{}), bias.stored_bytes());
}

void expect_usage_error(const std::function<void()>& call, const std::string& fragment) {
  try {
    call();
    ADD_FAILURE() << "expected a usage error mentioning '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(ModelFootprint, RejectsInvalidDescriptionsWithUsageErrors) {
  ModelDims zero_layers = qwen2vl_2b_dims();
  zero_layers.llm.layers = 0;
  expect_usage_error([&] { qwen2vl_tensors(zero_layers); }, "llm layers");
  ModelDims uneven = qwen2vl_2b_dims();
  uneven.llm.kv_heads = 5;
  expect_usage_error([&] { qwen2vl_tensors(uneven); }, "key/value heads");
  ModelDims huge = qwen2vl_2b_dims();
  huge.llm.vocab = 1u << 30;
  expect_usage_error([&] { qwen2vl_tensors(huge); }, "implausibly large");

  const ModelDims dims = qwen2vl_2b_dims();
  expect_usage_error([&] { make_footprint("m", dims, {}); }, "empty");
  expect_usage_error([&] { make_footprint("", dims, qwen2vl_tensors(dims)); }, "name");
  auto with = [&](TensorSpec extra) {
    std::vector<TensorSpec> tensors = qwen2vl_tensors(dims);
    tensors.push_back(std::move(extra));
    return tensors;
  };
  expect_usage_error([&] { make_footprint("m", dims, with({"lm_head.weight", {10, 10}, 2, TensorGroup::kLmHead})); },
                     "tied");
  expect_usage_error([&] { make_footprint("m", dims, with({"x.weight", {10, 0}, 2, TensorGroup::kLlmLayer})); },
                     "zero extent");
  expect_usage_error([&] { make_footprint("m", dims, with({"x.weight", {10, 10}, 3, TensorGroup::kLlmLayer})); },
                     "element size");
  expect_usage_error([&] { make_footprint("m", dims, with({"x.weight", {10}, 2, TensorGroup::kLlmLayer, 28})); },
                     "layer 28");
  expect_usage_error([&] { make_footprint("m", dims, with({"x.weight", {}, 2, TensorGroup::kLlmLayer})); },
                     "empty shape");
  expect_usage_error(
      [&] { make_footprint("m", dims, with({"x.weight", {1ull << 40, 1ull << 20}, 2, TensorGroup::kLlmLayer})); },
      "1 PiB");
  ModelDims untied = qwen2vl_2b_dims();
  untied.llm.tied_lm_head = false;
  expect_usage_error([&] { make_footprint("m", untied, qwen2vl_tensors(dims)); }, "no lm_head");
}

}  // namespace
}  // namespace vidscope::memory
