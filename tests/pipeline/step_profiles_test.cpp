// The scheduler with a step profile store: steps are measured, the measurement is stored, and the next
// run admits by it — so how many steps run side by side follows what they really allocate.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "memory/profile_store.h"
#include "memory/sampler.h"
#include "pipeline/fakes.h"
#include "pipeline/scheduler.h"
#include "pipeline/step_profiles.h"

namespace vidscope::pipeline {
namespace {

using testing::FakeConfig;
using testing::FakeFeed;
using testing::Observations;
using testing::budget;
using testing::make_fake;

void escape(void* p) { asm volatile("" : : "g"(p) : "memory"); }

class StepProfilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("vidscope-step-profiles-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".json");
    std::filesystem::remove(path_);
  }
  void TearDown() override {
    std::filesystem::remove(path_);
    std::filesystem::remove(path_.string() + ".lock");
  }

  // An analyzer that declares `declared` bytes per step but allocates `allocates` bytes while it runs.
  static std::unique_ptr<analyzers::Analyzer> allocating(const std::string& name, Bytes declared, Bytes allocates,
                                                         std::shared_ptr<Observations> seen) {
    FakeConfig config;
    config.name = name;
    config.resources.ram_bytes = declared;
    config.on_process = [allocates](int) {
      auto* block = new char[allocates];
      escape(block);
      std::this_thread::sleep_for(std::chrono::milliseconds(3));  // a sampler reading falls inside
      delete[] block;
    };
    return make_fake(config, std::move(seen));
  }

  ScheduleResult run_once(std::vector<std::unique_ptr<analyzers::Analyzer>> list, memory::Budget budget,
                          memory::ProfileStore& store, Bytes* peak_reserved = nullptr) {
    memory::MemorySampler sampler(std::chrono::milliseconds(1));
    sampler.start();
    analyzers::AnalyzerContext context;
    context.video.duration_s = 6;
    Scheduler scheduler(std::move(list), context, SchedulerOptions{budget, 2, &sampler, nullptr, &store});
    FakeFeed feed(6, scheduler.streams().size());
    ScheduleResult result = scheduler.run(feed);
    sampler.stop();
    if (peak_reserved) *peak_reserved = scheduler.gate().peak_reserved_ram();
    std::vector<std::string> warnings;
    store.save(warnings);
    EXPECT_TRUE(warnings.empty());
    result.warnings.insert(result.warnings.end(), warnings.begin(), warnings.end());
    return result;
  }

  std::filesystem::path path_;
};

TEST_F(StepProfilesTest, AStepIsMeasuredStoredAndAdmittedByItsMeasurementNextTime) {
  constexpr Bytes kAllocates = 24 * kMiB;
  std::vector<std::string> warnings;
  memory::ProfileStore store = memory::ProfileStore::open(path_, warnings);
  std::vector<std::unique_ptr<analyzers::Analyzer>> first;
  first.push_back(allocating("grower", kMiB, kAllocates, std::make_shared<Observations>()));
  const ScheduleResult one = run_once(std::move(first), budget(kGiB), store);
  ASSERT_EQ(one.runs.size(), 1u);
  EXPECT_EQ(one.runs[0].needs_source, "declared");
  EXPECT_EQ(one.runs[0].needs.ram_bytes, kMiB);
  EXPECT_EQ(one.runs[0].declared_ram_bytes, kMiB);
  // The step held its block for a few sampler periods: the measurement sees all of it. The upper bound
  // leaves room for the scheduler's and sampler's own small allocations during the step.
  EXPECT_GE(one.runs[0].measured_step_bytes, kAllocates);
  EXPECT_LT(one.runs[0].measured_step_bytes, kAllocates + 8 * kMiB);

  memory::ProfileStore reopened = memory::ProfileStore::open(path_, warnings);
  ASSERT_EQ(reopened.size(), 1u);
  std::vector<std::unique_ptr<analyzers::Analyzer>> second;
  second.push_back(allocating("grower", kMiB, kAllocates, std::make_shared<Observations>()));
  const ScheduleResult two = run_once(std::move(second), budget(kGiB), reopened);
  EXPECT_EQ(two.runs[0].needs_source, "measured");
  EXPECT_EQ(two.runs[0].profiled_step_bytes, one.runs[0].measured_step_bytes);
  memory::StepProfile stored;
  stored.measured_bytes = one.runs[0].measured_step_bytes;
  EXPECT_EQ(two.runs[0].needs.ram_bytes, admitted_step_bytes(stored));
  EXPECT_GE(two.runs[0].needs.ram_bytes, kAllocates + kAllocates / 4);
  EXPECT_TRUE(warnings.empty());
}

TEST_F(StepProfilesTest, UnderATightBudgetMeasuredStepsNoLongerRunSideBySide) {
  // Two analyzers declare 1 MiB each but allocate 24 MiB per step. Under a 40 MiB budget the declared
  // needs let both run at once (48 MiB in use: over budget); once measured, the gate admits one at a time.
  constexpr Bytes kAllocates = 24 * kMiB;
  constexpr Bytes kBudget = 40 * kMiB;
  std::vector<std::string> warnings;
  for (int run = 0; run < 2; ++run) {
    memory::ProfileStore store = memory::ProfileStore::open(path_, warnings);
    std::vector<std::unique_ptr<analyzers::Analyzer>> list;
    list.push_back(allocating("a", kMiB, kAllocates, std::make_shared<Observations>()));
    list.push_back(allocating("b", kMiB, kAllocates, std::make_shared<Observations>()));
    Bytes peak_reserved = 0;
    const ScheduleResult result = run_once(std::move(list), budget(kBudget), store, &peak_reserved);
    for (const auto& r : result.runs) {
      EXPECT_EQ(r.status, RunStatus::kOk);
      EXPECT_EQ(r.needs_source, run == 0 ? "declared" : "measured") << r.name;
    }
    if (run == 1) {
      // Each measured need is above half the budget, so two never hold the gate together.
      for (const auto& r : result.runs) EXPECT_GT(r.needs.ram_bytes, kBudget / 2) << r.name;
      EXPECT_LE(peak_reserved, kBudget);
      EXPECT_GT(peak_reserved, kBudget / 2);
    }
  }
  EXPECT_TRUE(warnings.empty());
}

TEST_F(StepProfilesTest, AMeasurementAboveTheBudgetRunsTheStepAloneWithAWarning) {
  std::vector<std::string> warnings;
  {
    memory::ProfileStore store = memory::ProfileStore::open(path_, warnings);
    std::vector<std::unique_ptr<analyzers::Analyzer>> list;
    list.push_back(allocating("big", kMiB, 48 * kMiB, std::make_shared<Observations>()));
    run_once(std::move(list), budget(kGiB), store);
  }
  memory::ProfileStore store = memory::ProfileStore::open(path_, warnings);
  std::vector<std::unique_ptr<analyzers::Analyzer>> list;
  list.push_back(allocating("big", kMiB, kMiB, std::make_shared<Observations>()));
  const ScheduleResult result = run_once(std::move(list), budget(32 * kMiB), store);
  EXPECT_EQ(result.runs[0].status, RunStatus::kOk);
  EXPECT_EQ(result.runs[0].needs.ram_bytes, 32 * kMiB);  // capped at the budget: admitted alone
  ASSERT_FALSE(result.warnings.empty());
  EXPECT_NE(result.warnings[0].find("its steps run alone"), std::string::npos) << result.warnings[0];
}

TEST_F(StepProfilesTest, FailedAnalyzersTeachTheStoreNothing) {
  std::vector<std::string> warnings;
  memory::ProfileStore store = memory::ProfileStore::open(path_, warnings);
  FakeConfig config;
  config.name = "breaks";
  config.throw_at_segment = 2;
  std::vector<std::unique_ptr<analyzers::Analyzer>> list;
  list.push_back(make_fake(config, std::make_shared<Observations>()));
  const ScheduleResult result = run_once(std::move(list), budget(kGiB), store);
  EXPECT_EQ(result.runs[0].status, RunStatus::kFailed);
  EXPECT_EQ(memory::ProfileStore::open(path_, warnings).size(), 0u);
}

TEST(StepProfileKey, ChangesWithWhatChangesAStepsMemory) {
  analyzers::AnalyzerNeeds needs;
  needs.frames = media::frames_per_segment(3, 480);
  analyzers::AnalyzerContext context;
  context.video.width = 1920;
  context.video.height = 1080;
  context.video.fps = 30;
  const std::string base = step_profile_key("faces", needs, context);
  EXPECT_EQ(base, step_profile_key("faces", needs, context));  // stable
  EXPECT_NE(base.find("faces|"), std::string::npos);
  EXPECT_NE(base, step_profile_key("objects", needs, context));

  auto other_video = context;
  other_video.video.width = 640;
  EXPECT_NE(base, step_profile_key("faces", needs, other_video));
  auto other_settings = context;
  other_settings.settings = {{"max_size", 640}};
  EXPECT_NE(base, step_profile_key("faces", needs, other_settings));
  auto other_plan = context;
  other_plan.plan.segment_duration_s = 4;
  EXPECT_NE(base, step_profile_key("faces", needs, other_plan));
  auto other_frames = needs;
  other_frames.frames = media::frames_per_segment(5, 480);
  EXPECT_NE(base, step_profile_key("faces", other_frames, context));

  analyzers::LoadedModels small, large;
  small.vlm_workload.grid_h = small.vlm_workload.grid_w = 24;
  large.vlm_workload.grid_h = large.vlm_workload.grid_w = 32;
  analyzers::AnalyzerNeeds vlm_needs = needs;
  vlm_needs.model = "vlm";
  auto with_small = context;
  with_small.models = &small;
  auto with_large = context;
  with_large.models = &large;
  EXPECT_NE(step_profile_key("vlm_segments", vlm_needs, with_small),
            step_profile_key("vlm_segments", vlm_needs, with_large));
}

TEST(AdmittedStepBytes, AddsAQuarterAndAtLeastFourMiB) {
  memory::StepProfile p;
  p.measured_bytes = 100 * kMiB;
  EXPECT_EQ(admitted_step_bytes(p), 125 * kMiB);
  p.measured_bytes = kMiB;
  EXPECT_EQ(admitted_step_bytes(p), 5 * kMiB);
  p.measured_bytes = 0;
  EXPECT_EQ(admitted_step_bytes(p), 4 * kMiB);
}

}  // namespace
}  // namespace vidscope::pipeline
