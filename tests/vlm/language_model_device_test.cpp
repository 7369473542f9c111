// The models' device path without a GPU: a backend that runs the CPU kernels but calls itself a
// device (is_host() false) makes the loader move every tensor to it tensor by tensor, and makes the
// vision tower, the language model and the generator go through uploads, device copies and
// downloads (patch rows, rotary tables, the window order of Qwen2.5-VL, embeddings, vision rows,
// logits), as on a GPU. The same kernels then must give the very same vision output, tokens and
// logits as the plain CPU models: any byte lost or misplaced on the way shows.
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "backend/cpu/cpu_backend.h"
#include "base/error.h"
#include "tensor/kernel_table.h"
#include "vlm/generator.h"
#include "vlm/language_model.h"
#include "vlm/test_checkpoint.h"
#include "vlm/vision_tower.h"
#include "vlm/vlm_weights.h"

namespace vidscope::vlm {
namespace {

using backend::Backend;
using backend::TensorView;

// The host tiles int8/int4 weights where its kernels can (tensor/weight_tiles.h), a device gets rows, and
// the two GEMVs sum in different orders. To compare host and device bit for bit, every CPU backend here
// runs the best kernels without tiled ones, so both sides multiply the same rows with the same code.
backend::CpuBackendOptions untiled_cpu(unsigned threads) {
  backend::CpuBackendOptions options{.threads = threads};
  for (tensor::SimdLevel level : {tensor::SimdLevel::kAvx512Vnni, tensor::SimdLevel::kAvx512, tensor::SimdLevel::kAvx2}) {
    if (tensor::cpu_supports(level) && !tensor::supports_weights(*tensor::kernels_for(level), tensor::DType::kQ4x16)) {
      options.simd_level = level;
      return options;
    }
  }
  options.simd_level = tensor::SimdLevel::kScalar;
  return options;
}

// Forwards everything to a CPU backend, but is not a host backend: callers must transfer.
class HostAsDevice final : public Backend {
 public:
  HostAsDevice() : cpu_(backend::make_cpu_backend(untiled_cpu(2))) {}
  std::string name() const override { return "host-as-device"; }
  std::string device() const override { return "gpu9"; }
  bool is_host() const override { return false; }
  backend::DeviceMemory memory() const override { return cpu_->memory(); }
  Bytes allocated_bytes() const override { return cpu_->allocated_bytes(); }
  std::unique_ptr<backend::Buffer> allocate(Bytes bytes, std::string_view owner, memory::Purpose purpose) override {
    return cpu_->allocate(bytes, owner, purpose);
  }
  void upload(const void* host, Bytes bytes, const backend::Buffer& dst, Bytes offset) override {
    ++uploads;
    cpu_->upload(host, bytes, dst, offset);
  }
  void download(const backend::Buffer& src, Bytes offset, Bytes bytes, void* host) override {
    ++downloads;
    cpu_->download(src, offset, bytes, host);
  }
  void synchronize() override {}
  bool supports_weights(backend::DType dtype) const override { return cpu_->supports_weights(dtype); }
  void matmul(const TensorView& x, const TensorView& w, const TensorView* bias, const TensorView& y) override {
    cpu_->matmul(x, w, bias, y);
  }
  void rms_norm(const TensorView& x, const TensorView& weight, float eps, const TensorView& y) override {
    cpu_->rms_norm(x, weight, eps, y);
  }
  void layer_norm(const TensorView& x, const TensorView& weight, const TensorView& bias, float eps,
                  const TensorView& y) override {
    cpu_->layer_norm(x, weight, bias, eps, y);
  }
  void softmax(const TensorView& x, const TensorView& y) override { cpu_->softmax(x, y); }
  void unary(backend::UnaryOp op, const TensorView& x, const TensorView& y) override { cpu_->unary(op, x, y); }
  void swiglu(const TensorView& gate, const TensorView& up, const TensorView& y) override { cpu_->swiglu(gate, up, y); }
  void binary(backend::BinaryOp op, const TensorView& a, const TensorView& b, const TensorView& y) override {
    cpu_->binary(op, a, b, y);
  }
  void rope(const TensorView& x, const TensorView& cos, const TensorView& sin, std::int64_t heads, std::int64_t head_dim,
            const TensorView& y) override {
    cpu_->rope(x, cos, sin, heads, head_dim, y);
  }
  void attention(const TensorView& q, const TensorView& k, const TensorView& v, const backend::AttentionParams& params,
                 const TensorView& out) override {
    cpu_->attention(q, k, v, params, out);
  }
  void attention_batch(std::span<const backend::AttentionCall> calls) override { cpu_->attention_batch(calls); }
  void copy(const TensorView& src, const TensorView& dst) override { cpu_->copy(src, dst); }
  void greedy_tokens(const TensorView& logits, std::span<const std::span<const std::int32_t>> penalized, float penalty,
                     std::span<std::int32_t> out) override {
    ++greedy_calls;
    cpu_->greedy_tokens(logits, penalized, penalty, out);
  }

  int uploads = 0, downloads = 0, greedy_calls = 0;

 private:
  std::unique_ptr<Backend> cpu_;
};

using Checkpoint = test::TestCheckpoint;

// Greedy generation of three text prompts (one with rows standing in for vision embeddings) on the
// given backend; returns every sequence's tokens and first logits.
struct GenerationRun {
  std::vector<GenerationResult> results;
  Bytes host_bytes = 0, device_bytes = 0;  // allocated right after loading
};

// `placement` as the engine would pass it (no device: the host alone).
GenerationRun generate(const Checkpoint& c, WeightPrecision precision, Backend& host, const WeightPlacement& placement = {}) {
  GenerationRun run;
  Backend* device = placement.device;
  const auto weights = VlmWeights::load(c.config, c.tensors, c.dir, precision, host, 2, placement);
  run.host_bytes = host.allocated_bytes();
  run.device_bytes = device != nullptr ? device->allocated_bytes() : 0;
  {
    // The vision tower on a 2 x 4 x 6 grid of made-up patch rows (two temporal patches, several
    // windows for Qwen2.5-VL); its output goes first in the results, as sequence 0's first_logits.
    VisionTower tower(c.config.vision, weights->vision(), device != nullptr && placement.vision_on_device ? *device : host);
    PixelPatches patches;
    patches.grid = {2, 4, 6};
    patches.row_size = static_cast<int>(weights->vision().patch_embed.cols());
    patches.values.resize(static_cast<std::size_t>(patches.rows() * patches.row_size));
    for (std::size_t i = 0; i < patches.values.size(); ++i) patches.values[i] = 0.001f * static_cast<float>(i % 1999) - 1.0f;
    const Activation out = tower.encode(patches);
    std::vector<float> storage;
    const float* values = out.host_rows(storage);
    run.results.emplace_back().first_logits.assign(values, values + out.rows() * out.cols());
  }
  LanguageModel lm(c.config.text, weights->language(), device != nullptr ? *device : host,
                   LayerSplit{device != nullptr ? placement.device_layers : -1, &host});
  {
    // Each layer's KV cache lives where the layer runs.
    const KvCache cache = lm.make_cache(2, 4);
    const Bytes layer_bytes = KvCache::bytes_needed(1, 2, 4, lm.kv_width());
    for (std::int64_t l = 0; l < lm.layers(); ++l) EXPECT_EQ(&cache.backend_of(l), &lm.layer_backend(l)) << "layer " << l;
    const std::int64_t on_device = device == nullptr ? 0 : lm.layers_on_model_backend();
    if (device != nullptr) {
      EXPECT_EQ(device->allocated_bytes(), run.device_bytes + on_device * layer_bytes);
    }
    EXPECT_EQ(host.allocated_bytes(), run.host_bytes + (lm.layers() - on_device) * layer_bytes);
  }
  const auto pad = static_cast<std::int32_t>(c.config.tokens.image_token_id);
  Generator gen(lm, pad, static_cast<std::int32_t>(c.config.tokens.video_token_id));
  // Vision rows as the vision tower leaves them: a host activation.
  Activation image(host, 2, lm.hidden_size(), "test");
  for (std::int64_t i = 0; i < 2 * lm.hidden_size(); ++i) image.data()[i] = 0.01f * static_cast<float>(i % 97) - 0.4f;
  std::vector<PreparedPrompt> prompts(3);
  prompts[0].ids = {5, 6, 7, 8};
  prompts[1].ids = {9, pad, pad, 10, 11};
  prompts[1].image_embeddings = &image;
  prompts[2].ids = {12};
  for (auto& p : prompts) {
    for (auto& axis : p.positions.thw) {
      axis.resize(p.ids.size());
      for (std::size_t i = 0; i < axis.size(); ++i) axis[i] = static_cast<std::int32_t>(i);
    }
  }
  GenerationOptions options;
  options.max_new_tokens = 6;
  options.prefill_chunk_tokens = 3;  // two prefill chunks for the longer prompts
  options.sampling.repetition_penalty = 1.3;  // the penalty's id lists go to the device too
  for (auto& r : gen.generate(prompts, options)) run.results.push_back(std::move(r));
  return run;
}

// The vision output and every sequence's tokens and first logits, byte for byte.
void expect_bit_identical(const GenerationRun& got, const GenerationRun& expected) {
  ASSERT_EQ(got.results.size(), expected.results.size());
  for (std::size_t i = 0; i < got.results.size(); ++i) {
    const GenerationResult& g = got.results[i];
    const GenerationResult& e = expected.results[i];
    EXPECT_EQ(g.ids, e.ids) << "sequence " << i;
    ASSERT_EQ(g.first_logits.size(), e.first_logits.size());
    EXPECT_EQ(std::memcmp(g.first_logits.data(), e.first_logits.data(), g.first_logits.size() * sizeof(float)), 0)
        << "sequence " << i;
  }
}

TEST(LanguageModelOnADevice, GivesTheHostResultsBitForBit) {
  for (const char* name : {"ckpt-s1-bf16-shards2", "ckpt-s2-bf16-tie-random", "ckpt-q25-s4-bf16-tie-shards2"}) {
    for (WeightPrecision precision : {WeightPrecision::kAsStored, WeightPrecision::kInt4}) {
      SCOPED_TRACE(std::string(name) + " " + std::string(weight_precision_name(precision)));
      const Checkpoint c(name);
      auto host = backend::make_cpu_backend(untiled_cpu(2));
      const GenerationRun expected = generate(c, precision, *host);
      HostAsDevice device;
      auto staging = backend::make_cpu_backend(untiled_cpu(2));
      const GenerationRun got = generate(c, precision, *staging, {.device = &device});
      expect_bit_identical(got, expected);
      EXPECT_GT(device.uploads, 0);
      EXPECT_GT(device.downloads, 0);
      EXPECT_GT(device.greedy_calls, 0) << "decode picks its tokens on the device";
      // The host keeps nothing: every converted tensor went to the device and its host copy was
      // dropped. With int4 every matmul weight but the patch embedding is converted, so the device
      // holds what the host-only load owns plus the tensors the host maps as stored: the patch
      // embedding and a tied embedding table (bf16 checkpoints).
      EXPECT_EQ(got.host_bytes, 0u);
      const auto stored_bytes = [&](std::string_view name) { return c.tensors.get(std::string(name)).element_count() * 2; };
      const Bytes mapped = stored_bytes("visual.patch_embed.proj.weight") +
                           (c.tensors.lm_head_is_tied() ? stored_bytes(models::kEmbedTokensWeight) : 0);
      if (precision == WeightPrecision::kInt4) {
        EXPECT_EQ(got.device_bytes, expected.host_bytes + mapped);
      } else {
        EXPECT_GE(got.device_bytes, expected.host_bytes + mapped);
      }
      EXPECT_EQ(staging->allocated_bytes(), 0u);
      EXPECT_EQ(device.allocated_bytes(), 0u);
    }
  }
}

// The plan's split tier: the first layer on the device, the second, the final norm and the lm_head on
// the host, the vision tower on either. The rows cross at the split (a download per forward pass) and
// everything must still match the host-only run bit for bit; the weights each side holds add up to
// what one side held alone.
TEST(LanguageModelOnADevice, SplitWithTheHostGivesTheHostResultsBitForBit) {
  for (const char* name : {"ckpt-s2-bf16-tie-random", "ckpt-q25-s4-bf16-tie-shards2", "ckpt-s1-bf16-shards2"}) {
    for (const bool vision_on_device : {true, false}) {
      for (const std::int64_t device_layers : {0, 1}) {
        SCOPED_TRACE(std::string(name) + (vision_on_device ? " vision on the device" : " vision on the host") +
                     ", layers on the device: " + std::to_string(device_layers));
        const Checkpoint c(name);
        ASSERT_EQ(c.config.text.num_hidden_layers, 2);
        const WeightPrecision precision = WeightPrecision::kInt4;  // every matmul weight converted
        auto host = backend::make_cpu_backend(untiled_cpu(2));
        const GenerationRun expected = generate(c, precision, *host);
        HostAsDevice device;
        auto split_host = backend::make_cpu_backend(untiled_cpu(2));
        const GenerationRun got = generate(c, precision, *split_host,
                                           {.device = &device, .device_layers = device_layers,
                                            .vision_on_device = vision_on_device});
        expect_bit_identical(got, expected);
        // The lm_head stays with the host, so a tied table is never copied; the patch embedding (mapped
        // on the host) is copied when the vision tower goes to the device.
        const Bytes patch = static_cast<Bytes>(c.tensors.get("visual.patch_embed.proj.weight").element_count()) * 2;
        EXPECT_EQ(got.host_bytes + got.device_bytes, expected.host_bytes + (vision_on_device ? patch : 0));
        EXPECT_GT(got.host_bytes, 0u);  // layer 1, the final norm (and an untied lm_head)
        if (!vision_on_device && device_layers == 0) {
          EXPECT_EQ(got.device_bytes, 0u);
        }
        if (vision_on_device || device_layers > 0) {
          EXPECT_GT(got.device_bytes, 0u);
          EXPECT_GT(device.uploads, 0);
          EXPECT_GT(device.downloads, 0);  // the rows leave the device at the split or as vision output
        }
        EXPECT_EQ(split_host->allocated_bytes(), 0u);
        EXPECT_EQ(device.allocated_bytes(), 0u);
      }
    }
  }
}

TEST(LanguageModelOnADevice, SplitNeedsASecondBackend) {
  const Checkpoint c("ckpt-s0-f32");
  auto host = backend::make_cpu_backend({.threads = 1});
  const auto weights = VlmWeights::load(c.config, c.tensors, c.dir, WeightPrecision::kF32, *host, 1);
  EXPECT_THROW(LanguageModel(c.config.text, weights->language(), *host, LayerSplit{1, nullptr}), Error);
  const LanguageModel whole(c.config.text, weights->language(), *host, LayerSplit{7, nullptr});  // clamped: all
  EXPECT_EQ(whole.layers_on_model_backend(), 2);
  EXPECT_EQ(whole.backends().size(), 1u);
}

}  // namespace
}  // namespace vidscope::vlm
