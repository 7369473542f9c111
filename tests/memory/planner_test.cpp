#include "memory/planner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <functional>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "memory/planner_saturating.h"
#include "memory/planner_working_set.h"

namespace vidscope::memory {
namespace {

// Eight frames at 280 x 504 (grid 4 x 20 x 36 patches = 720 visual tokens), a short prompt and
// answer: one ordinary analysis step.
Workload typical_workload() {
  Workload w;
  w.grid_t = 4;
  w.grid_h = 20;
  w.grid_w = 36;
  w.prompt_text_tokens = 64;
  w.max_new_tokens = 128;
  w.frame_buffer_bytes = 8ull * 280 * 504 * 3;  // RGB24
  return w;
}

ModelFootprint model_2b() { return qwen2vl_footprint("qwen2-vl-2b", qwen2vl_2b_dims()); }
ModelFootprint model_7b() { return qwen2vl_footprint("qwen2-vl-7b", qwen2vl_7b_dims()); }

// A described machine: `ram` of RAM, all free; optionally one 80 GiB GPU whose budget is `gpu_budget`.
PlanRequest request_for(const ModelFootprint& model, std::optional<Bytes> gpu_budget, Bytes ram) {
  PlanRequest r;
  r.devices.ram = {ram, ram};
  if (gpu_budget) {
    r.devices.gpus.push_back({0, "H100", 80 * kGiB, 80 * kGiB, true});
    r.budgets.gpu_limit = *gpu_budget;
  }
  r.models.push_back({model.name, model});
  r.workload = typical_workload();
  return r;
}

Bytes usable(Bytes limit, const Margin& margin) { return limit - margin.of(limit); }

const DevicePlan* device(const LoadPlan& plan, const std::string& id) {
  for (const DevicePlan& d : plan.devices) {
    if (d.device == id) return &d;
  }
  return nullptr;
}

Bytes weights_at(const ModelFootprint& m, Precision p) { return weight_breakdown(m, p, QuantPolicy{}).total(); }

void expect_within_budget(const LoadPlan& plan) {
  for (const DevicePlan& d : plan.devices) {
    EXPECT_EQ(d.peak, d.bytes.total()) << d.device;
    EXPECT_LE(d.peak + d.margin, d.limit) << d.device << "\n" << to_table(plan);
  }
}

TEST(Planner, LargeGpuTakesTheWholeModelInBf16) {
  const ModelFootprint m = model_7b();
  const LoadPlan plan = plan_load(request_for(m, 80 * kGiB, 64 * kGiB));
  ASSERT_TRUE(plan.feasible) << to_table(plan);
  EXPECT_EQ(plan.tier, PlanTier::kGpuBf16);
  EXPECT_TRUE(plan.rejected.empty());
  ASSERT_EQ(plan.models.size(), 1u);
  // Every tensor is stored in bf16, so bf16 weights are exactly 2 bytes per parameter.
  EXPECT_EQ(plan.models[0].gpu_weight_bytes, 2 * parameter_count(m));
  EXPECT_EQ(plan.models[0].llm_layers_on_gpu, m.dims.llm.layers);
  const DevicePlan* gpu = device(plan, "gpu0");
  ASSERT_NE(gpu, nullptr);
  EXPECT_EQ(gpu->bytes.weights, 2 * parameter_count(m));
  const VlmWorkingSet ws = estimate_working_set(m.dims, typical_workload(), PlanRequest{}.options);
  EXPECT_EQ(gpu->bytes.kv_cache, m.dims.llm.layers * ws.kv_cache_per_layer);
  EXPECT_EQ(device(plan, "cpu")->bytes.frames, typical_workload().frame_buffer_bytes);
  expect_within_budget(plan);
}

TEST(Planner, SevenBillionInBf16FitsA24GibBudget) {
  const ModelFootprint m = model_7b();
  // 2 B x 8.29e9 = 15.4 GiB of weights against 24 GiB - 5 % - 256 MiB = 22.55 GiB usable.
  ASSERT_LT(weights_at(m, Precision::kBf16), usable(24 * kGiB, kDefaultGpuMargin));
  const LoadPlan plan = plan_load(request_for(m, 24 * kGiB, 64 * kGiB));
  EXPECT_EQ(plan.tier, PlanTier::kGpuBf16) << to_table(plan);
  expect_within_budget(plan);
}

TEST(Planner, TwelveGibFallsToInt8AndSaysWhyBf16WasRejected) {
  const ModelFootprint m = model_7b();
  ASSERT_GT(weights_at(m, Precision::kBf16), usable(12 * kGiB, kDefaultGpuMargin));
  const LoadPlan plan = plan_load(request_for(m, 12 * kGiB, 64 * kGiB));
  EXPECT_EQ(plan.tier, PlanTier::kGpuInt8) << to_table(plan);
  ASSERT_EQ(plan.rejected.size(), 1u);
  EXPECT_EQ(plan.rejected[0].tier, PlanTier::kGpuBf16);
  EXPECT_NE(plan.rejected[0].reason.find("gpu-bf16: needs"), std::string::npos) << plan.rejected[0].reason;
  EXPECT_NE(plan.rejected[0].reason.find(format_bytes(usable(12 * kGiB, kDefaultGpuMargin))), std::string::npos);
  EXPECT_EQ(device(plan, "gpu0")->bytes.weights, weights_at(m, Precision::kInt8));
  expect_within_budget(plan);
}

TEST(Planner, SixGibFallsToInt4) {
  const ModelFootprint m = model_7b();
  ASSERT_GT(weights_at(m, Precision::kInt8), usable(6 * kGiB, kDefaultGpuMargin));
  const LoadPlan plan = plan_load(request_for(m, 6 * kGiB, 64 * kGiB));
  EXPECT_EQ(plan.tier, PlanTier::kGpuInt4) << to_table(plan);
  EXPECT_EQ(plan.rejected.size(), 2u);
  expect_within_budget(plan);
}

TEST(Planner, ThreeGibSplitsLayersAndPutsAsManyOnTheGpuAsFit) {
  const ModelFootprint m = model_7b();
  ASSERT_GT(weights_at(m, Precision::kInt4), usable(3 * kGiB, kDefaultGpuMargin));
  const PlanRequest request = request_for(m, 3 * kGiB, 64 * kGiB);
  const LoadPlan plan = plan_load(request);
  ASSERT_EQ(plan.tier, PlanTier::kSplit) << to_table(plan);
  ASSERT_EQ(plan.precision, Precision::kInt4) << "int4 puts the most layers on the GPU";
  const ModelPlacement& p = plan.models[0];
  EXPECT_EQ(p.device, "gpu0+cpu");
  EXPECT_EQ(p.vision_device, "gpu0");
  EXPECT_GE(p.llm_layers_on_gpu, 1u);
  EXPECT_LT(p.llm_layers_on_gpu, m.dims.llm.layers);
  const WeightBreakdown w = weight_breakdown(m, Precision::kInt4, QuantPolicy{});
  EXPECT_EQ(p.gpu_weight_bytes, w.vision_tower + w.llm_layers_first(p.llm_layers_on_gpu));
  EXPECT_EQ(p.gpu_weight_bytes + p.cpu_weight_bytes, w.total());
  // Maximal: one more layer would add its weights and its KV cache to the GPU and overflow it.
  const DevicePlan* gpu = device(plan, "gpu0");
  const VlmWorkingSet ws = estimate_working_set(m.dims, request.workload, request.options);
  EXPECT_GT(gpu->peak + w.llm_layers[p.llm_layers_on_gpu] + ws.kv_cache_per_layer, gpu->limit - gpu->margin);
  EXPECT_EQ(gpu->bytes.kv_cache, p.llm_layers_on_gpu * ws.kv_cache_per_layer);
  expect_within_budget(plan);
}

TEST(Planner, NoGpuAndAmpleRamRunsBf16OnTheCpu) {
  const ModelFootprint m = model_7b();
  const LoadPlan plan = plan_load(request_for(m, std::nullopt, 32 * kGiB));
  EXPECT_EQ(plan.tier, PlanTier::kCpuBf16) << to_table(plan);
  EXPECT_EQ(plan.models[0].device, "cpu");
  EXPECT_EQ(device(plan, "cpu")->bytes.weights, 2 * parameter_count(m));
  ASSERT_EQ(plan.rejected.size(), 4u);
  EXPECT_EQ(plan.rejected[0].reason, "gpu-bf16: no GPU");
  EXPECT_EQ(plan.devices.size(), 1u);
  expect_within_budget(plan);
}

TEST(Planner, EightGibOfRamTakesTheSevenBillionModelInInt4) {
  const ModelFootprint m = model_7b();
  ASSERT_GT(weights_at(m, Precision::kInt8), usable(8 * kGiB, kDefaultRamMargin));
  ASSERT_LT(weights_at(m, Precision::kInt4), usable(8 * kGiB, kDefaultRamMargin));
  const LoadPlan plan = plan_load(request_for(m, std::nullopt, 8 * kGiB));
  EXPECT_EQ(plan.tier, PlanTier::kCpuInt4) << to_table(plan);
  expect_within_budget(plan);
  // The 2B model is small enough for bf16 in the same RAM.
  EXPECT_EQ(plan_load(request_for(model_2b(), std::nullopt, 8 * kGiB)).tier, PlanTier::kCpuBf16);
}

TEST(Planner, TinyRamMapsTheWeightsAndCountsOnlyTheWorkingSet) {
  const ModelFootprint m = model_7b();
  const LoadPlan plan = plan_load(request_for(m, std::nullopt, 3 * kGiB));
  ASSERT_EQ(plan.tier, PlanTier::kCpuMapped) << to_table(plan);
  EXPECT_TRUE(plan.models[0].weights_mapped);
  const DevicePlan* cpu = device(plan, "cpu");
  EXPECT_EQ(cpu->mapped_weights, 2 * parameter_count(m));
  // The largest unit kept resident is the untied lm_head, vocab x hidden in bf16.
  EXPECT_EQ(cpu->bytes.weights, 2ull * m.dims.llm.vocab * m.dims.llm.hidden);
  EXPECT_NE(plan.summary.find("slow"), std::string::npos);
  expect_within_budget(plan);
}

TEST(Planner, ShrinksABatchThatDoesNotFitAndSaysHow) {
  const ModelFootprint m = model_7b();
  PlanRequest request = request_for(m, std::nullopt, 4 * kGiB);
  request.workload.batch_segments = 8;
  request.workload.grid_t = 10;
  request.workload.grid_h = 40;
  request.workload.grid_w = 72;  // 7200 visual tokens per segment
  const LoadPlan plan = plan_load(request);
  ASSERT_TRUE(plan.feasible) << to_table(plan);
  EXPECT_TRUE(plan.shrunk);
  ASSERT_FALSE(plan.shrink_steps.empty());
  EXPECT_EQ(plan.shrink_steps[0].rfind("batch 8 -> 4 segments because cpu-mmap: needs", 0), 0u) << plan.shrink_steps[0];
  EXPECT_LT(plan.admitted.batch_segments, 8u);
  EXPECT_EQ(plan.requested.batch_segments, 8u);
  EXPECT_LT(plan.admitted.frame_buffer_bytes, plan.requested.frame_buffer_bytes);
  expect_within_budget(plan);
}

TEST(Planner, AbsurdlySmallRamShrinksToTheFloorThenGivesReasons) {
  const ModelFootprint m = model_7b();
  PlanRequest request = request_for(m, std::nullopt, 300 * kMiB);
  request.workload.batch_segments = 2;
  const LoadPlan plan = plan_load(request);
  EXPECT_FALSE(plan.feasible);
  EXPECT_EQ(plan.tier, PlanTier::kNone);
  EXPECT_TRUE(plan.devices.empty());
  EXPECT_TRUE(plan.shrunk);
  // batch 2 -> 1, frames 8 -> 4 -> 2, then pixels down to the token floor.
  ASSERT_GE(plan.shrink_steps.size(), 4u);
  EXPECT_EQ(plan.admitted.batch_segments, 1u);
  EXPECT_EQ(plan.admitted.grid_t, request.options.min_grid_t);
  const std::uint32_t merge = m.dims.vision.spatial_merge_size;
  EXPECT_GE(plan.admitted.patches_per_temporal_patch() / (merge * merge),
            request.options.min_visual_tokens_per_temporal_patch);
  ASSERT_GE(plan.reasons.size(), 2u);
  EXPECT_NE(plan.reasons[0].find("nothing fits even at the smallest workload"), std::string::npos);
  EXPECT_NE(plan.reasons.back().find("cpu-mmap: needs"), std::string::npos);
  EXPECT_NE(to_table(plan).find("no plan:"), std::string::npos);
}

TEST(Planner, TooLongAStepForTheModelContextIsShrunkFirst) {
  ModelDims dims = qwen2vl_2b_dims();
  dims.llm.max_context_tokens = 1024;
  const ModelFootprint m = qwen2vl_footprint("short-context", dims);
  const LoadPlan plan = plan_load(request_for(m, 80 * kGiB, 64 * kGiB));  // needs 720 + 64 + 128 = 912
  EXPECT_FALSE(plan.shrunk);
  PlanRequest longer = request_for(m, 80 * kGiB, 64 * kGiB);
  longer.workload.grid_t = 8;  // 1440 visual tokens
  const LoadPlan shrunk = plan_load(longer);
  ASSERT_TRUE(shrunk.feasible);
  ASSERT_EQ(shrunk.shrink_steps.size(), 1u);
  EXPECT_NE(shrunk.shrink_steps[0].find("tokens of context"), std::string::npos) << shrunk.shrink_steps[0];
  EXPECT_LE(shrunk.admitted.kv_tokens(2), 1024u);
}

// Property: over a grid of budgets, a returned plan never predicts more than a device's budget, its
// categories add up to its peak, and the rejected tiers are exactly the ones above the chosen tier.
TEST(Planner, NoReturnedPlanExceedsItsBudgetsOverAGridOfBudgets) {
  const std::vector<std::optional<Bytes>> gpu_budgets = {std::nullopt, 1 * kGiB, 2 * kGiB, 3 * kGiB,  4 * kGiB,
                                                        6 * kGiB,     8 * kGiB, 12 * kGiB, 16 * kGiB, 24 * kGiB,
                                                        48 * kGiB,    80 * kGiB};
  const std::vector<Bytes> rams = {256 * kMiB, 512 * kMiB, 1 * kGiB, 2 * kGiB,  3 * kGiB,
                                   4 * kGiB,   8 * kGiB,   16 * kGiB, 32 * kGiB, 64 * kGiB};
  int feasible = 0;
  for (const ModelFootprint& m : {model_2b(), model_7b()}) {
    for (const auto& gpu : gpu_budgets) {
      for (Bytes ram : rams) {
        for (std::uint32_t batch : {1u, 4u}) {
          PlanRequest request = request_for(m, gpu, ram);
          request.workload.batch_segments = batch;
          const LoadPlan plan = plan_load(request);
          if (!plan.feasible) {
            EXPECT_FALSE(plan.reasons.empty());
            continue;
          }
          ++feasible;
          expect_within_budget(plan);
          // Each tier above the chosen one was tried once and rejected (ladder order == enum order).
          if (!plan.shrunk) {
            EXPECT_EQ(plan.rejected.size(), static_cast<std::size_t>(plan.tier)) << to_table(plan);
          }
        }
      }
    }
  }
  EXPECT_GT(feasible, 0);
}

TEST(Planner, AlsoKeepsWithinABudgetLargerThanTheFreeMemory) {
  const ModelFootprint m = model_7b();
  PlanRequest request = request_for(m, 80 * kGiB, 64 * kGiB);
  request.devices.gpus[0].free = 10 * kGiB;  // someone else holds 70 GiB
  const LoadPlan plan = plan_load(request);
  EXPECT_EQ(plan.tier, PlanTier::kGpuInt8) << to_table(plan);
  EXPECT_EQ(device(plan, "gpu0")->limit, 10 * kGiB);
  expect_within_budget(plan);
}


// CPU tiers stage row blocks, not whole tensors (the loader converts 64 rows at a time straight into the
// kept buffers); a GPU tier still stages a whole tensor in RAM. The host tables are in the CPU's overhead
// on every tier.
TEST(Planner, CpuLoadStagingIsRowBlocksAndHostTablesAreCountedEverywhere) {
  ModelFootprint m = model_2b();
  m.host_tables_bytes = host_tables_estimate(11 * kMiB);
  EXPECT_EQ(m.host_tables_bytes, 11 * kMiB / 4 * 9 + 8 * kMiB);
  const WeightBreakdown stored = stored_weight_breakdown(m);
  // The widest row is the MLP down projection's: intermediate inputs, bf16.
  EXPECT_EQ(stored.largest_row, Bytes{qwen2vl_2b_dims().llm.intermediate} * 2);

  const LoadPlan cpu_plan = plan_load(request_for(m, std::nullopt, 16 * kGiB));
  ASSERT_TRUE(cpu_plan.feasible);
  EXPECT_EQ(cpu_plan.tier, PlanTier::kCpuBf16);
  const DevicePlan* cpu = device(cpu_plan, "cpu");
  ASSERT_NE(cpu, nullptr);
  EXPECT_NE(cpu->peak_phase, "load") << to_table(cpu_plan);
  EXPECT_GE(cpu->bytes.overhead, m.host_tables_bytes);

  const LoadPlan gpu_plan = plan_load(request_for(m, 80 * kGiB, 16 * kGiB));
  ASSERT_TRUE(gpu_plan.feasible);
  EXPECT_EQ(gpu_plan.tier, PlanTier::kGpuBf16);
  const DevicePlan* host = device(gpu_plan, "cpu");
  ASSERT_NE(host, nullptr);
  EXPECT_EQ(host->peak_phase, "load");
  EXPECT_EQ(host->bytes.scratch, stored.largest_tensor);
  EXPECT_GE(host->bytes.overhead, m.host_tables_bytes);
}

// The working-set formulas of docs/memory-model.md §3, written out again from the dims.
TEST(PlannerWorkingSet, FollowsTheDocumentedFormulas) {
  const ModelDims d = qwen2vl_7b_dims();
  const Workload w = typical_workload();
  PlannerOptions options;
  const std::uint64_t visual = std::uint64_t{w.grid_t} * w.grid_h * w.grid_w / 4;
  const std::uint64_t s = visual + w.prompt_text_tokens;
  const std::uint64_t c = s + w.max_new_tokens;
  const VlmWorkingSet ws = estimate_working_set(d, w, options);
  EXPECT_EQ(ws.kv_cache_per_layer, 2ull * d.llm.kv_heads * d.llm.head_dim * c * 4);  // f32, as the engine keeps it
  const std::uint64_t per_token =
      std::max<std::uint64_t>(2ull * d.llm.hidden + (2ull * d.llm.heads + 2ull * d.llm.kv_heads) * d.llm.head_dim,
                              2ull * d.llm.hidden + 2ull * d.llm.intermediate);
  // The generator prefills one sequence at a time in chunks of 512 rows (S = 784 here: two chunks); the
  // batch's visual embeddings are held from the vision tower until generation ends.
  const std::uint64_t chunk = 512;
  ASSERT_GT(s, chunk);
  const std::uint64_t held = visual * d.llm.hidden * 4;
  EXPECT_EQ(ws.prefill.activations, chunk * per_token * 4 + held);
  EXPECT_EQ(ws.decode.activations, per_token * 4 + held);
  // Both backends' attention is an online softmax: no score matrix is stored by default.
  EXPECT_EQ(ws.prefill.scratch, 0u);
  EXPECT_EQ(ws.decode.scratch, 0u);
  EXPECT_EQ(ws.vision.scratch, 0u);
  EXPECT_EQ(ws.logits, std::uint64_t{d.llm.vocab} * 4);
  const std::uint64_t patches = std::uint64_t{w.grid_t} * w.grid_h * w.grid_w;
  const std::uint64_t pair = std::uint64_t{w.grid_h} * w.grid_w;
  const std::uint64_t e = d.vision.embed_dim;
  EXPECT_EQ(ws.vision.activations,
            patches * 1176 * 4 + patches * std::max<std::uint64_t>(6 * e, 2 * e + d.vision.mlp_dim) * 4 + visual * d.llm.hidden * 4);

  // A naive kernel stores every query row's scores: a prefill chunk's, or a temporal patch's in the tower.
  options.attention_score_rows = std::numeric_limits<std::uint32_t>::max();
  const VlmWorkingSet naive = estimate_working_set(d, w, options);
  EXPECT_EQ(naive.prefill.scratch, std::uint64_t{d.llm.heads} * chunk * s * 4);
  EXPECT_EQ(naive.decode.scratch, std::uint64_t{d.llm.heads} * c * 4);
  EXPECT_EQ(naive.vision.scratch, std::uint64_t{d.vision.num_heads} * pair * pair * 4);

  // Chunked attention bounds the score rows; Qwen2.5-VL's SwiGLU holds gate and up at once.
  options.attention_score_rows = 128;
  const VlmWorkingSet chunked = estimate_working_set(d, w, options);
  EXPECT_EQ(chunked.prefill.scratch, std::uint64_t{d.llm.heads} * 128 * s * 4);
  EXPECT_EQ(chunked.vision.scratch, std::uint64_t{d.vision.num_heads} * 128 * pair * 4);
  options.prefill_chunk_tokens = 0;  // the whole prompt at once
  EXPECT_EQ(estimate_working_set(d, w, options).prefill.activations, s * per_token * 4 + held);

  // A batch multiplies what every sequence keeps (KV, decode rows, held embeddings), not the prefill rows.
  Workload batch3 = w;
  batch3.batch_segments = 3;
  const VlmWorkingSet b3 = estimate_working_set(d, batch3, PlannerOptions{});
  PlannerOptions naive_options;
  naive_options.attention_score_rows = std::numeric_limits<std::uint32_t>::max();
  EXPECT_EQ(estimate_working_set(d, batch3, naive_options).prefill.scratch, naive.prefill.scratch)
      << "one sequence prefills at a time";
  EXPECT_EQ(b3.kv_cache_per_layer, 3 * ws.kv_cache_per_layer);
  EXPECT_EQ(b3.prefill.activations, chunk * per_token * 4 + 3 * held);
  EXPECT_EQ(b3.decode.activations, 3 * per_token * 4 + 3 * held);
  const ModelDims d25 = qwen25vl_7b_dims();
  EXPECT_EQ(estimate_working_set(d25, w, PlannerOptions{}).vision.activations,
            patches * 1176 * 4 + patches * std::max<std::uint64_t>(6 * e, 2 * e + 2 * d25.vision.mlp_dim) * 4 +
                visual * d25.llm.hidden * 4);
}

// Joint planning: fixed-footprint models are placed first, the VLM ladder gets what remains.
ModelRequest detector(Bytes bytes, bool prefers_gpu = true) {
  return ModelRequest{"detector", FixedFootprint{bytes, 0, prefers_gpu}};
}

TEST(PlannerJoint, DetectorTakesItsShareFirstAndCanPushTheVlmDownALevel) {
  const ModelFootprint m = model_7b();
  const LoadPlan alone = plan_load(request_for(m, 80 * kGiB, 64 * kGiB));
  ASSERT_EQ(alone.tier, PlanTier::kGpuBf16);
  const Bytes vlm_peak = device(alone, "gpu0")->peak;
  // A GPU budget whose usable part is the VLM's bf16 peak plus 25 MiB: usable = 0.95 L - 256 MiB.
  const Bytes tight = static_cast<Bytes>(static_cast<double>(vlm_peak + 25 * kMiB + kDefaultGpuMargin.bytes) / 0.95) + kMiB;
  ASSERT_GE(usable(tight, kDefaultGpuMargin), vlm_peak);
  ASSERT_LT(usable(tight, kDefaultGpuMargin), vlm_peak + 50 * kMiB);
  EXPECT_EQ(plan_load(request_for(m, tight, 64 * kGiB)).tier, PlanTier::kGpuBf16);

  PlanRequest joint = request_for(m, tight, 64 * kGiB);
  joint.models.push_back(detector(50 * kMiB));
  const LoadPlan plan = plan_load(joint);
  ASSERT_TRUE(plan.feasible);
  EXPECT_EQ(plan.tier, PlanTier::kGpuInt8) << to_table(plan);
  ASSERT_EQ(plan.models.size(), 2u);
  EXPECT_EQ(plan.models[0].model, "detector");
  EXPECT_EQ(plan.models[0].device, "gpu0");
  EXPECT_FALSE(plan.models[0].precision.has_value());
  EXPECT_EQ(device(plan, "gpu0")->bytes.weights, weights_at(m, Precision::kInt8) + 50 * kMiB);
  expect_within_budget(plan);
}

TEST(PlannerJoint, SmallModelsGoFirstAndFallBackToRam) {
  const ModelFootprint m = model_2b();
  PlanRequest request = request_for(m, 1 * kGiB, 64 * kGiB);
  request.models.push_back({"ocr", FixedFootprint{600 * kMiB, 100 * kMiB, true}});  // does not fit 1 GiB - margins
  request.models.push_back({"faces", FixedFootprint{30 * kMiB, 20 * kMiB, true}});
  request.models.push_back({"audio", FixedFootprint{40 * kMiB, 0, false}});
  const LoadPlan plan = plan_load(request);
  ASSERT_TRUE(plan.feasible) << to_table(plan);
  ASSERT_EQ(plan.models.size(), 4u);
  EXPECT_EQ(plan.models[0].model, "audio");  // smallest first
  EXPECT_EQ(plan.models[0].device, "cpu");   // prefers RAM
  EXPECT_EQ(plan.models[1].model, "faces");
  EXPECT_EQ(plan.models[1].device, "gpu0");
  EXPECT_EQ(plan.models[2].model, "ocr");
  EXPECT_EQ(plan.models[2].device, "cpu");   // no room left on the GPU
  expect_within_budget(plan);
}

TEST(PlannerJoint, FixedModelsAloneAndOnesThatFitNowhere) {
  PlanRequest only;
  only.devices.ram = {8 * kGiB, 8 * kGiB};
  only.models.push_back(detector(50 * kMiB));
  const LoadPlan plan = plan_load(only);
  ASSERT_TRUE(plan.feasible);
  EXPECT_EQ(plan.tier, PlanTier::kFixedOnly);
  EXPECT_EQ(plan.models[0].device, "cpu") << "no GPU: RAM";
  expect_within_budget(plan);

  only.models[0] = detector(16 * kGiB);
  const LoadPlan none = plan_load(only);
  EXPECT_FALSE(none.feasible);
  ASSERT_EQ(none.reasons.size(), 1u);
  EXPECT_NE(none.reasons[0].find("detector needs 16.0 GiB"), std::string::npos) << none.reasons[0];
}

TEST(PlannerJoint, TheVlmGoesToTheGpuWithTheMostRoom) {
  const ModelFootprint m = model_2b();
  PlanRequest request = request_for(m, std::nullopt, 64 * kGiB);
  request.devices.gpus = {{0, "small", 8 * kGiB, 8 * kGiB, true}, {3, "large", 24 * kGiB, 20 * kGiB, true}};
  const LoadPlan plan = plan_load(request);
  EXPECT_EQ(plan.tier, PlanTier::kGpuBf16);
  EXPECT_EQ(plan.models[0].device, "gpu3");
  EXPECT_EQ(device(plan, "gpu0"), nullptr) << "an unused GPU is not listed";
  EXPECT_EQ(device(plan, "gpu3")->limit, 20 * kGiB);
}

TEST(PlannerOutput, JsonAndTableCarryTheDecision) {
  const LoadPlan plan = plan_load(request_for(model_7b(), 12 * kGiB, 64 * kGiB));
  const nlohmann::json j = plan;
  EXPECT_EQ(j["tier"], "gpu-int8");
  EXPECT_EQ(j["precision"], "int8");
  EXPECT_EQ(j["feasible"], true);
  EXPECT_EQ(j["rejected"][0]["tier"], "gpu-bf16");
  EXPECT_EQ(j["devices"][1]["device"], "gpu0");
  EXPECT_EQ(j["devices"][1]["peak_bytes"].get<Bytes>(), device(plan, "gpu0")->peak);
  EXPECT_EQ(j["admitted_workload"]["grid_thw"], nlohmann::json::array({4, 20, 36}));
  const std::string table = to_table(plan);
  EXPECT_NE(table.find("gpu-int8: qwen2-vl-7b at int8 on gpu0"), std::string::npos) << table;
  EXPECT_NE(table.find("rejected gpu-bf16: needs"), std::string::npos) << table;
  EXPECT_NE(table.find("weights"), std::string::npos);
}

void expect_usage_error(const std::function<void(PlanRequest&)>& spoil, const std::string& fragment) {
  PlanRequest request = request_for(model_2b(), 8 * kGiB, 16 * kGiB);
  spoil(request);
  try {
    plan_load(request);
    ADD_FAILURE() << "expected a usage error mentioning '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(PlannerInputs, ByteArithmeticSaturates) {
  EXPECT_EQ(mul_saturating(Bytes{1} << 40, Bytes{1} << 40), kSaturatedBytes);
  EXPECT_EQ(add_saturating(kSaturatedBytes - 1, 2), kSaturatedBytes);
  EXPECT_EQ(product_saturating({2, 3, 7}), 42u);
  EXPECT_EQ(mul_saturating(0, kSaturatedBytes), 0u);
}

TEST(PlannerInputs, InvalidRequestsAreUsageErrors) {
  expect_usage_error([](PlanRequest& r) { r.devices.ram = {0, 0}; }, "RAM total");
  expect_usage_error([](PlanRequest& r) { r.devices.ram.free = r.devices.ram.total + 1; }, "free RAM");
  expect_usage_error([](PlanRequest& r) { r.devices.gpus.push_back(r.devices.gpus[0]); }, "listed twice");
  expect_usage_error([](PlanRequest& r) { r.devices.gpus[0].free = r.devices.gpus[0].total + 1; }, "GPU 0");
  expect_usage_error([](PlanRequest& r) { r.budgets.gpu_margin.fraction = 1.0; }, "margin fraction");
  expect_usage_error([](PlanRequest& r) { r.budgets.ram_limit = 0; }, "RAM budget");
  expect_usage_error([](PlanRequest& r) { r.models.clear(); }, "no model");
  expect_usage_error([](PlanRequest& r) { r.models.push_back({"other-vlm", model_2b()}); }, "only one model");
  expect_usage_error([](PlanRequest& r) { r.models.push_back(r.models[0]); }, "listed twice");
  expect_usage_error([](PlanRequest& r) { r.models.push_back({"", FixedFootprint{1, 0, true}}); }, "empty name");
  expect_usage_error([](PlanRequest& r) { r.models.push_back({"d", FixedFootprint{0, 0, true}}); }, "0 bytes");
  expect_usage_error([](PlanRequest& r) { r.workload.grid_t = 0; }, "zero extent");
  expect_usage_error([](PlanRequest& r) { r.workload.grid_h = 21; }, "merge size");
  expect_usage_error([](PlanRequest& r) { r.workload.batch_segments = 0; }, "at least one segment");
  expect_usage_error([](PlanRequest& r) { r.workload.context_tokens = 100; }, "cannot hold");
  expect_usage_error([](PlanRequest& r) { r.workload.context_tokens = 40000; }, "exceeds the model's maximum");
  expect_usage_error(
      [](PlanRequest& r) { std::get<ModelFootprint>(r.models[0].footprint).dims.llm.layers = 27; }, "layer 27");
}

TEST(PlannerInputs, AbsurdBatchIsShrunkToAnOrdinaryPlan) {
  // 2^30 segments of 912 tokens need hundreds of PiB; the planner halves the batch until it fits.
  PlanRequest request = request_for(model_7b(), 80 * kGiB, 64 * kGiB);
  request.workload.batch_segments = 1u << 30;
  const LoadPlan plan = plan_load(request);
  ASSERT_TRUE(plan.feasible) << to_table(plan);
  ASSERT_FALSE(plan.shrink_steps.empty());
  EXPECT_NE(plan.shrink_steps[0].find("TiB on cpu"), std::string::npos) << plan.shrink_steps[0];
  // Only halvings of the batch: 2^30 -> 2^k takes 30 - k steps.
  EXPECT_EQ(plan.shrink_steps.size(), 30u - static_cast<unsigned>(std::countr_zero(plan.admitted.batch_segments)));
  expect_within_budget(plan);
}

}  // namespace
}  // namespace vidscope::memory
