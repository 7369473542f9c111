// Quantize-on-load with several loader threads against one thread: every converted weight must hold
// the same bytes (tensor/quantize.h promises bit-identical conversion for any thread count).
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "backend/cpu/cpu_backend.h"
#include "tensor/weight_tiles.h"
#include "vlm/test_checkpoint.h"
#include "vlm/vlm_weights.h"

namespace vidscope::vlm {
namespace {

using Checkpoint = test::TestCheckpoint;

// Every weight the forward passes read, with a name for failure messages.
std::vector<std::pair<std::string, backend::TensorView>> all_views(const VlmWeights& w) {
  std::vector<std::pair<std::string, backend::TensorView>> views;
  const auto add_linear = [&](const std::string& name, const Linear& l) {
    views.emplace_back(name + ".weight", l.weight);
    if (l.bias.data != nullptr) views.emplace_back(name + ".bias", l.bias);
  };
  const auto add_norm = [&](const std::string& name, const Norm& n) {
    views.emplace_back(name + ".weight", n.weight);
    if (n.bias.data != nullptr) views.emplace_back(name + ".bias", n.bias);
  };
  views.emplace_back("patch_embed", w.vision().patch_embed);
  for (std::size_t i = 0; i < w.vision().blocks.size(); ++i) {
    const VisionBlockWeights& b = w.vision().blocks[i];
    const std::string p = "visual.blocks." + std::to_string(i);
    add_norm(p + ".norm1", b.norm1);
    add_norm(p + ".norm2", b.norm2);
    for (const auto& [name, l] : {std::pair{".qkv", &b.qkv}, {".proj", &b.proj}, {".fc1", &b.fc1}, {".fc2", &b.fc2},
                                  {".gate", &b.gate}, {".up", &b.up}, {".down", &b.down}}) {
      if (l->weight.data != nullptr) add_linear(p + name, *l);
    }
  }
  add_norm("merger_norm", w.vision().merger_norm);
  add_linear("merger_fc1", w.vision().merger_fc1);
  add_linear("merger_fc2", w.vision().merger_fc2);
  views.emplace_back("embed_tokens", w.language().embed_tokens);
  for (std::size_t i = 0; i < w.language().layers.size(); ++i) {
    const DecoderLayerWeights& l = w.language().layers[i];
    const std::string p = "layers." + std::to_string(i);
    add_norm(p + ".input_norm", l.input_norm);
    add_norm(p + ".post_attention_norm", l.post_attention_norm);
    for (const auto& [name, lin] : {std::pair{".qkv", &l.qkv}, {".gate_up", &l.gate_up}, {".q", &l.q}, {".k", &l.k},
                                    {".v", &l.v}, {".o", &l.o}, {".gate", &l.gate}, {".up", &l.up}, {".down", &l.down}}) {
      if (lin->weight.data != nullptr) add_linear(p + name, *lin);  // stacked or separate (vlm_weights.h)
    }
  }
  add_norm("final_norm", w.language().final_norm);
  add_linear("lm_head", w.language().lm_head);
  return views;
}

std::vector<std::uint8_t> bytes_of(const backend::TensorView& v) {
  std::vector<std::uint8_t> out;
  const std::int64_t rows = v.rank == 1 ? 1 : v.rows();
  const std::size_t row = v.dense_row_bytes();
  for (std::int64_t r = 0; r < rows; ++r) {
    const auto* p = static_cast<const std::uint8_t*>(v.data) + static_cast<std::size_t>(r) * v.row_stride;
    out.insert(out.end(), p, p + row);
  }
  return out;
}

void expect_same_for_any_thread_count(const std::string& checkpoint, WeightPrecision precision) {
  SCOPED_TRACE(checkpoint + " at " + std::string(weight_precision_name(precision)));
  const Checkpoint c(checkpoint);
  auto backend = backend::make_cpu_backend({.threads = 1});
  const auto one = VlmWeights::load(c.config, c.tensors, c.dir, precision, *backend, 1);
  const auto three = VlmWeights::load(c.config, c.tensors, c.dir, precision, *backend, 3);
  const auto a = all_views(*one);
  const auto b = all_views(*three);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].second.dtype, b[i].second.dtype) << a[i].first;
    EXPECT_EQ(bytes_of(a[i].second), bytes_of(b[i].second)) << a[i].first;
  }
  EXPECT_EQ(one->owned_bytes(), three->owned_bytes());
}

TEST(WeightsThreads, QuantizedLoadIsBitIdenticalForAnyThreadCount) {
  for (WeightPrecision p : {WeightPrecision::kInt8, WeightPrecision::kInt4, WeightPrecision::kF32}) {
    expect_same_for_any_thread_count("ckpt-s1-bf16-shards2", p);   // bf16, two shards
    expect_same_for_any_thread_count("ckpt-s0-f32", p);            // f32, untied lm_head
  }
}

// A quantized load unmaps the stored pages it has converted (vlm_weights.h), so reading the
// weights afterwards must still work and the mapped originals must still read correctly.
TEST(WeightsThreads, StoredTensorsStayReadableAfterAQuantizedLoad) {
  const Checkpoint c("ckpt-s1-bf16-shards2");
  const models::TensorRef& ref = c.tensors.get("llm.layers.0.mlp.up_proj.weight");
  const std::vector<std::uint8_t> before(reinterpret_cast<const std::uint8_t*>(ref.data),
                                         reinterpret_cast<const std::uint8_t*>(ref.data) + ref.byte_size);
  auto backend = backend::make_cpu_backend({.threads = 1});
  const auto w = VlmWeights::load(c.config, c.tensors, c.dir, WeightPrecision::kInt8, *backend, 2);
  const std::vector<std::uint8_t> after(reinterpret_cast<const std::uint8_t*>(ref.data),
                                        reinterpret_cast<const std::uint8_t*>(ref.data) + ref.byte_size);
  EXPECT_EQ(before, after);
  // Converted weights are stacked (q/k/v, gate/up), as stored they stay separate and mapped.
  const DecoderLayerWeights& l = w->language().layers[0];
  ASSERT_TRUE(l.stacked_gate_up() && l.stacked_qkv());
  EXPECT_EQ(tensor::untiled(l.gate_up.weight.dtype), backend::DType::kQ8);  // tiled where the kernels take it
  EXPECT_EQ(l.gate_up.weight.rows(), 2 * c.config.text.intermediate_size);
  EXPECT_EQ(l.qkv.weight.rows(), (c.config.text.num_attention_heads + 2 * c.config.text.num_key_value_heads) *
                                     c.config.text.head_dim);
  EXPECT_EQ(l.qkv.bias.cols(), l.qkv.weight.rows());
  EXPECT_EQ(l.up.weight.data, nullptr);
  const auto stored = VlmWeights::load(c.config, c.tensors, c.dir, WeightPrecision::kAsStored, *backend, 2);
  const DecoderLayerWeights& s = stored->language().layers[0];
  EXPECT_FALSE(s.stacked_gate_up() || s.stacked_qkv());
  EXPECT_EQ(s.up.weight.data, ref.data);  // the mapping itself
}

// int8 and int4 on a host whose kernels multiply tiled weights (tensor/weight_tiles.h): every converted
// matmul weight of whole tiles is loaded tiled, holding exactly the rows a host without those kernels
// loads.
TEST(WeightsThreads, QuantizedWeightsAreTiledWhereTheHostKernelsTakeThem) {
  const auto tiled_level = tensor::SimdLevel::kAvx512Vnni, rows_level = tensor::SimdLevel::kAvx512;
  if (!tensor::cpu_supports(tiled_level)) GTEST_SKIP() << "this CPU has no tiled kernels (AVX-512 VNNI)";
  const Checkpoint c("ckpt-s1-bf16-shards2");
  auto tiling = backend::make_cpu_backend({.simd_level = tiled_level, .threads = 1});
  auto plain = backend::make_cpu_backend({.simd_level = rows_level, .threads = 1});
  for (const WeightPrecision precision : {WeightPrecision::kInt8, WeightPrecision::kInt4}) {
    SCOPED_TRACE(std::string(weight_precision_name(precision)));
    const backend::DType row_type = precision == WeightPrecision::kInt8 ? backend::DType::kQ8 : backend::DType::kQ4;
    const backend::DType tiled_type = precision == WeightPrecision::kInt8 ? backend::DType::kQ8x16 : backend::DType::kQ4x16;
    ASSERT_TRUE(tiling->supports_weights(tiled_type));
    ASSERT_FALSE(plain->supports_weights(tiled_type));
    const auto tiled = VlmWeights::load(c.config, c.tensors, c.dir, precision, *tiling, 2);
    const auto rows = VlmWeights::load(c.config, c.tensors, c.dir, precision, *plain, 2);
    const auto a = all_views(*tiled);
    const auto b = all_views(*rows);
    ASSERT_EQ(a.size(), b.size());
    int tiled_count = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
      const backend::TensorView& t = a[i].second;
      const backend::TensorView& r = b[i].second;
      if (r.dtype != row_type) {
        EXPECT_EQ(t.dtype, r.dtype) << a[i].first;
        continue;
      }
      ASSERT_EQ(t.dtype, tiled_type) << a[i].first << ": [" << r.rows() << ", " << r.cols() << "]";
      std::vector<std::uint8_t> untiled(bytes_of(r).size());
      tensor::untile_rows(tiled_type, t.data, t.rows(), t.cols(), untiled.data());
      EXPECT_EQ(untiled, bytes_of(r)) << a[i].first;
      ++tiled_count;
    }
    EXPECT_GE(tiled_count, 2 * 4 + 2 * 3);  // per decoder layer qkv, o, gate_up, down; per vision block
    EXPECT_EQ(tiled->owned_bytes(), rows->owned_bytes());
  }
}

}  // namespace
}  // namespace vidscope::vlm
