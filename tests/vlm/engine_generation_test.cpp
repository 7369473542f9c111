// KV-cache decoding, batched generation, sampling and load errors of the VLM engine.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/error.h"
#include "vlm/test_support.h"
#include "vlm/vlm_engine.h"

namespace vidscope::vlm {
namespace {

std::unique_ptr<VlmEngine> load_s0() {
  EngineOptions options;
  options.threads = 2;
  return VlmEngine::load(test::vlm_data_path("ckpt-s0-f32"), options);
}

PreparedPrompt text_prompt(const VlmEngine& engine, std::vector<std::int32_t> ids) {
  PreparedPrompt p;
  p.ids = std::move(ids);
  p.positions = engine.positions_for(p.ids, {}, {});
  return p;
}

double max_rel_diff(const float* a, const std::vector<float>& b) {
  double d = 0, m = 0;
  for (std::size_t i = 0; i < b.size(); ++i) {
    d = std::max(d, static_cast<double>(std::abs(a[i] - b[i])));
    m = std::max(m, static_cast<double>(std::abs(b[i])));
  }
  return d / m;
}

TEST(EngineGeneration, KvCacheDecodeEqualsFullRecompute) {
  const auto engine = load_s0();
  const Generator& gen = engine->generator();
  const LanguageModel& lm = engine->language_model();
  const std::vector<std::int32_t> ids = {5, 17, 300, 42, 7, 8, 900, 3};
  // Prefill all but the last token, then decode the last token and two more through the cache.
  KvCache cache = lm.make_cache(1, 16);
  const PreparedPrompt head = text_prompt(*engine, {ids.begin(), ids.end() - 1});
  gen.prefill(head, cache, 0);
  std::vector<std::int32_t> seq(ids.begin(), ids.end() - 1);
  std::int32_t next = ids.back();
  for (int step = 0; step < 3; ++step) {
    const std::int32_t token[] = {next};
    const std::int64_t slot[] = {0};
    const std::int64_t delta[] = {head.positions.rope_delta};
    const Activation decoded = gen.decode_step(token, slot, delta, cache);
    seq.push_back(next);
    KvCache fresh = lm.make_cache(1, 16);
    const std::vector<float> full = gen.prefill(text_prompt(*engine, seq), fresh, 0);
    // Same f32 math on the same rows; only the attention's key blocking differs (one query against
    // the cache vs a causal block), so results agree to rounding: 1e-5 relative.
    EXPECT_LE(max_rel_diff(decoded.row(0), full), 1e-5) << "step " << step;
    next = argmax(full);
  }
}

TEST(EngineGeneration, ChunkedPrefillEqualsOnePass) {
  const auto engine = load_s0();
  const LanguageModel& lm = engine->language_model();
  const PreparedPrompt p = text_prompt(*engine, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  KvCache a = lm.make_cache(1, 16);
  KvCache b = lm.make_cache(1, 16);
  const std::vector<float> one = engine->generator().prefill(p, a, 0, 512);
  const std::vector<float> chunked = engine->generator().prefill(p, b, 0, 3);
  EXPECT_LE(max_rel_diff(chunked.data(), one), 1e-5);
}

// Prompts packed into shared prefill passes (a pass ends one prompt and starts the next, vision rows
// crossing pass boundaries too) give each prompt the logits it gets alone. Same f32 math per row;
// only the attention's key blocking and the matmul's row blocking differ: 1e-5 relative, as above.
TEST(EngineGeneration, PackedPrefillEqualsEachPromptAlone) {
  const auto engine = load_s0();
  const LanguageModel& lm = engine->language_model();
  const auto& tokens = engine->config().tokens;
  const auto pad = static_cast<std::int32_t>(tokens.image_token_id);
  const GridThw grid{1, 4, 4};  // 16 patches, 4 merged tokens
  PreparedPrompt with_image;
  with_image.ids = {5, 6, static_cast<std::int32_t>(tokens.vision_start_token_id), pad, pad, pad, pad,
                    static_cast<std::int32_t>(tokens.vision_end_token_id), 7};
  with_image.positions = engine->positions_for(with_image.ids, std::span<const GridThw>(&grid, 1), {});
  Activation image(engine->compute_backend(), 4, lm.hidden_size(), "test");
  for (std::int64_t i = 0; i < 4 * lm.hidden_size(); ++i) image.data()[i] = 0.02f * static_cast<float>(i % 53) - 0.5f;
  with_image.image_embeddings = &image;
  const std::vector<PreparedPrompt> prompts = {text_prompt(*engine, {1, 2, 3, 4, 5}), with_image, text_prompt(*engine, {9}),
                                               text_prompt(*engine, {100, 200, 300, 400, 500, 600, 700})};
  const std::vector<std::int64_t> slots = {3, 0, 2, 1};  // any slot order
  std::vector<std::vector<float>> alone;
  for (const PreparedPrompt& p : prompts) {
    KvCache cache = lm.make_cache(1, 16);
    alone.push_back(engine->generator().prefill(p, cache, 0));
  }
  for (const std::int64_t chunk : {3, 4, 512}) {
    SCOPED_TRACE("chunk " + std::to_string(chunk));
    KvCache cache = lm.make_cache(4, 16);
    const auto packed = engine->generator().prefill_packed(prompts, slots, cache, chunk);
    ASSERT_EQ(packed.size(), prompts.size());
    for (std::size_t i = 0; i < prompts.size(); ++i) {
      ASSERT_EQ(packed[i].size(), alone[i].size()) << "prompt " << i;
      EXPECT_LE(max_rel_diff(packed[i].data(), alone[i]), 1e-5) << "prompt " << i;
      EXPECT_EQ(cache.length(slots[i]), static_cast<std::int64_t>(prompts[i].ids.size())) << "prompt " << i;
    }
  }
}

TEST(EngineGeneration, BatchedGenerationEqualsOneByOne) {
  const auto engine = load_s0();
  const std::vector<PreparedPrompt> prompts = {text_prompt(*engine, {5, 6, 7}),
                                               text_prompt(*engine, {100, 200, 300, 400, 500, 600}),
                                               text_prompt(*engine, {9})};
  GenerationOptions options;
  options.max_new_tokens = 8;
  options.eos_ids = {1002};
  std::vector<std::vector<std::int32_t>> streamed(prompts.size());
  const auto batched = engine->generator().generate(prompts, options, [&](std::size_t i, std::int32_t id) {
    streamed[i].push_back(id);
  });
  ASSERT_EQ(batched.size(), prompts.size());
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    const auto alone = engine->generator().generate(std::span<const PreparedPrompt>(&prompts[i], 1), options);
    EXPECT_EQ(batched[i].ids, alone[0].ids) << "prompt " << i;
    EXPECT_EQ(streamed[i], batched[i].ids) << "prompt " << i;
    EXPECT_FALSE(batched[i].ids.empty());
  }
}

// Greedy decoding picks on the logits' backend (Backend::greedy_tokens); asking for the margins keeps
// the rows on the host and picks with the Sampler. Both must choose the same tokens, with and without a
// repetition penalty strong enough to change the choices (below 1 it favours the ids already seen: a
// positive logit is divided by 0.01).
TEST(EngineGeneration, PickingOnTheBackendEqualsTheHostSampler) {
  const auto engine = load_s0();
  const std::vector<PreparedPrompt> prompts = {text_prompt(*engine, {5, 6, 7}), text_prompt(*engine, {100, 200, 300, 400})};
  std::vector<std::int32_t> unpenalized;
  for (const double penalty : {1.0, 0.01}) {
    GenerationOptions options;
    options.max_new_tokens = 12;
    options.sampling.repetition_penalty = penalty;
    const auto on_backend = engine->generator().generate(prompts, options);
    options.record_margins = true;
    const auto on_host = engine->generator().generate(prompts, options);
    for (std::size_t i = 0; i < prompts.size(); ++i) {
      EXPECT_EQ(on_backend[i].ids, on_host[i].ids) << "prompt " << i << ", penalty " << penalty;
      EXPECT_EQ(on_host[i].top2_margins.size(), on_host[i].ids.size());
    }
    if (penalty == 1.0) {
      unpenalized = on_backend[0].ids;
    } else {
      EXPECT_NE(on_backend[0].ids, unpenalized) << "the penalty changed nothing: the test would not see it ignored";
    }
  }
}

// EngineOptions::op_profile wraps the engine's backends: the same tokens, and every op of the
// generation recorded while the profile is enabled (nothing while it is not).
TEST(EngineGeneration, OpProfileTimesTheEnginesOpsWithoutChangingThem) {
  const auto plain = load_s0();
  backend::OpProfile profile;
  EngineOptions options;
  options.threads = 2;
  options.op_profile = &profile;
  const auto profiled = VlmEngine::load(test::vlm_data_path("ckpt-s0-f32"), options);
  const std::vector<PreparedPrompt> prompts = {text_prompt(*plain, {5, 6, 7}), text_prompt(*plain, {100, 200})};
  GenerationOptions generation;
  generation.max_new_tokens = 4;
  const auto expected = plain->generator().generate(prompts, generation);
  EXPECT_TRUE(profile.entries().empty()) << "loading records nothing while disabled";
  profile.enabled = true;
  const auto got = profiled->generator().generate(prompts, generation);
  for (std::size_t i = 0; i < prompts.size(); ++i) EXPECT_EQ(got[i].ids, expected[i].ids) << "prompt " << i;
  const auto entries = profile.entries();
  const auto calls = [&](const std::string& label) {
    for (const auto& e : entries) {
      if (e.label == label) return e.calls;
    }
    return std::int64_t{0};
  };
  const std::int64_t layers = profiled->config().text.num_hidden_layers;
  const auto& layer = profiled->weights().language().layers[0];
  const std::int64_t per_layer = (layer.stacked_qkv() ? 1 : 3) + 1 + (layer.stacked_gate_up() ? 1 : 2) + 1;
  // Decode steps 2..4 run both prompts as one batch of two rows (every layer's matmuls and the
  // lm_head); the prefill pass ends both prompts, so its lm_head has two rows as well.
  EXPECT_EQ(calls("matmul f32 x2"), 3 * (per_layer * layers + 1) + 1);
  EXPECT_EQ(calls("matmul f32 x5"), per_layer * layers) << "the prefill pass: 3 + 2 prompt rows";
  EXPECT_EQ(calls("greedy_tokens"), 3);
  EXPECT_EQ(calls("attention_batch"), 4 * layers);  // the prefill pass and three decode steps
  EXPECT_GT(profile.total_ms(), 0.0);
}

TEST(EngineGeneration, StopsAtEosAndMaxNewTokens) {
  const auto engine = load_s0();
  const PreparedPrompt p = text_prompt(*engine, {5, 6, 7});
  GenerationOptions options;
  options.max_new_tokens = 5;
  const auto free_run = engine->generator().generate(std::span<const PreparedPrompt>(&p, 1), options);
  ASSERT_EQ(free_run[0].ids.size(), 5u);
  EXPECT_FALSE(free_run[0].stopped_at_eos);
  // Declare the third generated token an end-of-sequence id: generation stops right after it.
  options.eos_ids = {free_run[0].ids[2]};
  const auto stopped = engine->generator().generate(std::span<const PreparedPrompt>(&p, 1), options);
  const auto first = std::find(free_run[0].ids.begin(), free_run[0].ids.end(), free_run[0].ids[2]);
  EXPECT_EQ(stopped[0].ids, std::vector<std::int32_t>(free_run[0].ids.begin(), first + 1));
  EXPECT_TRUE(stopped[0].stopped_at_eos);
}

TEST(Sampler, GreedyPenaltyAndSeededDraws) {
  std::vector<float> logits = {1.0f, 3.0f, 3.0f, -2.0f};
  Sampler greedy(SamplingParams{});
  EXPECT_EQ(greedy.sample(logits, {}), 1);  // lowest id among equals
  SamplingParams penalized;
  penalized.repetition_penalty = 2.0;
  Sampler p(penalized);
  std::vector<float> l2 = {1.0f, 3.0f, 2.0f, -2.0f};
  const std::int32_t history[] = {1, 1, 3};
  EXPECT_EQ(p.sample(l2, history), 2);  // 3 / 2 = 1.5 < 2
  EXPECT_FLOAT_EQ(l2[3], -4.0f);        // negative logits are multiplied

  SamplingParams s;
  s.do_sample = true;
  s.temperature = 1.0;
  s.seed = 42;
  std::vector<std::int32_t> a, b;
  Sampler s1(s), s2(s);
  for (int i = 0; i < 50; ++i) {
    std::vector<float> x = {0.f, 0.5f, 1.f, 0.2f}, y = x;
    a.push_back(s1.sample(x, {}));
    b.push_back(s2.sample(y, {}));
  }
  EXPECT_EQ(a, b);
  EXPECT_GT(std::set<std::int32_t>(a.begin(), a.end()).size(), 1u);
  // top_k 1 and a tiny top_p both reduce to the argmax (the released generation_config's settings).
  s.top_k = 1;
  Sampler k1(s);
  std::vector<float> z = {0.f, 0.5f, 1.f, 0.2f};
  EXPECT_EQ(k1.sample(z, {}), 2);
  s.top_k = 0;
  s.top_p = 0.001;
  Sampler p1(s);
  for (int i = 0; i < 20; ++i) {
    std::vector<float> w = {0.f, 0.5f, 1.f, 0.2f};
    EXPECT_EQ(p1.sample(w, {}), 2);
  }
}

TEST(EngineLoad, MissingFilesNameFolderAndFile) {
  const auto dir = std::filesystem::path(VIDSCOPE_BINARY_DIR) / "vlm_engine_missing_files";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto expect_input_error = [&](const std::string& file) {
    try {
      VlmEngine::load(dir);
      FAIL() << "loading succeeded without " << file;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInput);
      EXPECT_NE(std::string(e.what()).find(dir.string()), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
    }
  };
  expect_input_error("config.json");
  std::filesystem::copy_file(test::vlm_data_path("ckpt-s0-f32/config.json"), dir / "config.json");
  expect_input_error("model.safetensors");
  // A truncated weight file is named too.
  {
    std::ofstream out(dir / "model.safetensors", std::ios::binary);
    out << "12345";
  }
  expect_input_error("model.safetensors");
  try {
    VlmEngine::load(dir / "does-not-exist");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(std::string(e.what()).find("does-not-exist"), std::string::npos);
  }
  std::filesystem::remove_all(dir);
}

TEST(EngineLoad, DescribeWithoutTokenizerIsAnInputError) {
  const auto engine = load_s0();
  const test::OwnedRgb img = test::load_test_image("grad_56x84.png");
  try {
    engine->describe_image(img.view(), {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(std::string(e.what()).find("tokenizer.json"), std::string::npos);
  }
}

}  // namespace
}  // namespace vidscope::vlm
