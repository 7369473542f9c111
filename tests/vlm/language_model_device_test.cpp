// The language model's device path without a GPU: a backend that runs the CPU kernels but calls
// itself a device (is_host() false) makes the loader move every language tensor to it tensor by
// tensor, and makes the model and the generator go through uploads and downloads for embeddings,
// rotary tables, vision rows and logits, as on a GPU. The same kernels then must give the very
// same tokens and logits as the plain CPU model: any byte lost or misplaced on the way shows.
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "backend/cpu/cpu_backend.h"
#include "vlm/generator.h"
#include "vlm/language_model.h"
#include "vlm/test_checkpoint.h"
#include "vlm/vlm_weights.h"

namespace vidscope::vlm {
namespace {

using backend::Backend;
using backend::TensorView;

// Forwards everything to a CPU backend, but is not a host backend: callers must transfer.
class HostAsDevice final : public Backend {
 public:
  HostAsDevice() : cpu_(backend::make_cpu_backend({.threads = 2})) {}
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

  int uploads = 0, downloads = 0;

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

GenerationRun generate(const Checkpoint& c, WeightPrecision precision, Backend& host, Backend* device) {
  GenerationRun run;
  const auto weights = VlmWeights::load(c.config, c.tensors, c.dir, precision, host, 2, device);
  run.host_bytes = host.allocated_bytes();
  run.device_bytes = device != nullptr ? device->allocated_bytes() : 0;
  LanguageModel lm(c.config.text, weights->language(), device != nullptr ? *device : host);
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
  run.results = gen.generate(prompts, options);
  return run;
}

TEST(LanguageModelOnADevice, GivesTheHostResultsBitForBit) {
  for (const char* name : {"ckpt-s1-bf16-shards2", "ckpt-s2-bf16-tie-random"}) {
    for (WeightPrecision precision : {WeightPrecision::kAsStored, WeightPrecision::kInt4}) {
      SCOPED_TRACE(std::string(name) + " " + std::string(weight_precision_name(precision)));
      const Checkpoint c(name);
      auto host = backend::make_cpu_backend({.threads = 2});
      const GenerationRun expected = generate(c, precision, *host, nullptr);
      HostAsDevice device;
      auto staging = backend::make_cpu_backend({.threads = 2});
      const GenerationRun got = generate(c, precision, *staging, &device);
      ASSERT_EQ(got.results.size(), expected.results.size());
      for (std::size_t i = 0; i < got.results.size(); ++i) {
        const GenerationResult& g = got.results[i];
        const GenerationResult& e = expected.results[i];
        EXPECT_EQ(g.ids, e.ids) << "sequence " << i;
        ASSERT_EQ(g.first_logits.size(), e.first_logits.size());
        EXPECT_EQ(std::memcmp(g.first_logits.data(), e.first_logits.data(), g.first_logits.size() * sizeof(float)), 0)
            << "sequence " << i;
      }
      EXPECT_GT(device.uploads, 0);
      EXPECT_GT(device.downloads, 0);
      // The host keeps the vision tower only: every converted language tensor went to the device and
      // its host copy was dropped. With int4 every language matmul weight is converted, so the
      // language bytes the host-only load owns are exactly what the device got, less the device's
      // copy of a tied embedding table (mapped on the host, as stored on the device).
      const models::TensorRef& embed = c.tensors.get(models::kEmbedTokensWeight);
      const Bytes tied_table = c.tensors.lm_head_is_tied() ? embed.element_count() * 2 : 0;  // bf16 checkpoints
      EXPECT_LT(got.host_bytes, expected.host_bytes);
      if (precision == WeightPrecision::kInt4) {
        EXPECT_EQ(expected.host_bytes - got.host_bytes, got.device_bytes - tied_table);
      } else {
        EXPECT_LE(expected.host_bytes - got.host_bytes, got.device_bytes);
      }
      EXPECT_EQ(staging->allocated_bytes(), 0u);
      EXPECT_EQ(device.allocated_bytes(), 0u);
    }
  }
}

}  // namespace
}  // namespace vidscope::vlm
