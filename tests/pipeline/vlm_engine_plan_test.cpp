// The plan-to-engine bridge on described machines (the planner is pure, so "an 80 GiB GPU" or "a
// 3 GiB GPU" needs no hardware): every tier maps to the device, precision, layer split and byte caps
// the planner priced.
#include "pipeline/vlm_engine_plan.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "memory/planner.h"

namespace vidscope::pipeline {
namespace {

using memory::PlanTier;

memory::PlanRequest request_for(std::optional<Bytes> gpu_budget, Bytes ram) {
  memory::PlanRequest r;
  r.devices.ram = {ram, ram};
  if (gpu_budget) {
    r.devices.gpus.push_back({0, "H100", 80 * kGiB, 80 * kGiB, true});
    r.budgets.gpu_limit = *gpu_budget;
  }
  r.models.push_back({"vlm", memory::qwen2vl_footprint("qwen2-vl-7b", memory::qwen2vl_7b_dims())});
  r.workload.grid_t = 4;
  r.workload.grid_h = 20;
  r.workload.grid_w = 36;
  r.workload.prompt_text_tokens = 64;
  r.workload.max_new_tokens = 128;
  return r;
}

Bytes usable(const memory::LoadPlan& plan, const std::string& device) {
  for (const auto& d : plan.devices) {
    if (d.device == device) return d.limit - d.margin;
  }
  ADD_FAILURE() << "no device " << device << " in the plan";
  return 0;
}

TEST(VlmEnginePlan, CpuTiersRunOnTheCpuAtTheirPrecision) {
  const memory::LoadPlan plan = memory::plan_load(request_for(std::nullopt, 64 * kGiB));
  ASSERT_EQ(plan.tier, PlanTier::kCpuBf16) << memory::to_table(plan);
  const vlm::EngineOptions o = engine_options_for(plan, "vlm");
  EXPECT_EQ(o.device, "cpu");
  EXPECT_EQ(o.precision, vlm::WeightPrecision::kBf16);
  EXPECT_EQ(o.device_layers, -1);
  ASSERT_TRUE(o.byte_limit.has_value());
  EXPECT_EQ(*o.byte_limit, usable(plan, "cpu"));
  EXPECT_FALSE(o.device_byte_limit.has_value());

  // 6 GiB of RAM cannot hold the 7B model at bf16 (15 GiB): whichever smaller CPU tier the planner
  // picks, the engine gets its precision.
  const memory::LoadPlan small = memory::plan_load(request_for(std::nullopt, 6 * kGiB));
  ASSERT_TRUE(small.feasible) << memory::to_table(small);
  const vlm::EngineOptions s = engine_options_for(small, "vlm");
  EXPECT_EQ(s.device, "cpu");
  switch (small.tier) {
    case PlanTier::kCpuInt8: EXPECT_EQ(s.precision, vlm::WeightPrecision::kInt8); break;
    case PlanTier::kCpuInt4: EXPECT_EQ(s.precision, vlm::WeightPrecision::kInt4); break;
    case PlanTier::kCpuMapped: EXPECT_EQ(s.precision, vlm::WeightPrecision::kAsStored); break;
    default: ADD_FAILURE() << "unexpected tier " << memory::tier_name(small.tier);
  }
}

TEST(VlmEnginePlan, AWholeGpuTierPutsEverythingOnTheGpu) {
  const memory::LoadPlan plan = memory::plan_load(request_for(40 * kGiB, 64 * kGiB));
  ASSERT_EQ(plan.tier, PlanTier::kGpuBf16) << memory::to_table(plan);
  const vlm::EngineOptions o = engine_options_for(plan, "vlm");
  EXPECT_EQ(o.device, "cuda:0");
  EXPECT_EQ(o.precision, vlm::WeightPrecision::kBf16);
  EXPECT_EQ(o.device_layers, -1);
  EXPECT_TRUE(o.vision_on_device);
  ASSERT_TRUE(o.device_byte_limit.has_value());
  EXPECT_EQ(*o.device_byte_limit, usable(plan, "gpu0"));
  EXPECT_LE(*o.device_byte_limit, 40 * kGiB);
}

TEST(VlmEnginePlan, TheSplitTierSplitsTheEngineAsPlanned) {
  const memory::LoadPlan plan = memory::plan_load(request_for(3 * kGiB, 64 * kGiB));
  ASSERT_EQ(plan.tier, PlanTier::kSplit) << memory::to_table(plan);
  const memory::ModelPlacement& p = plan.models.at(0);
  const vlm::EngineOptions o = engine_options_for(plan, "vlm");
  EXPECT_EQ(o.device, "cuda:0");
  ASSERT_TRUE(plan.precision.has_value());
  EXPECT_EQ(o.precision, *plan.precision == memory::Precision::kInt4 ? vlm::WeightPrecision::kInt4
                         : *plan.precision == memory::Precision::kInt8 ? vlm::WeightPrecision::kInt8
                                                                       : vlm::WeightPrecision::kBf16);
  EXPECT_EQ(o.device_layers, static_cast<std::int64_t>(p.llm_layers_on_gpu));
  EXPECT_GT(o.device_layers, 0);
  EXPECT_LT(o.device_layers, static_cast<std::int64_t>(p.llm_layers_total));
  EXPECT_EQ(o.vision_on_device, p.vision_device == "gpu0");
  ASSERT_TRUE(o.device_byte_limit.has_value());
  EXPECT_EQ(*o.device_byte_limit, usable(plan, "gpu0"));
  ASSERT_TRUE(o.byte_limit.has_value());
  EXPECT_EQ(*o.byte_limit, usable(plan, "cpu"));
}

TEST(VlmEnginePlan, NoPlanNoEngine) {
  const memory::LoadPlan none = memory::plan_load(request_for(std::nullopt, 1 * kGiB));
  ASSERT_FALSE(none.feasible);
  EXPECT_THROW(engine_options_for(none, "vlm"), Error);
  const memory::LoadPlan plan = memory::plan_load(request_for(std::nullopt, 64 * kGiB));
  try {
    engine_options_for(plan, "other");
    ADD_FAILURE() << "a model the plan does not place was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
    EXPECT_NE(std::string(e.what()).find("other"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace vidscope::pipeline
