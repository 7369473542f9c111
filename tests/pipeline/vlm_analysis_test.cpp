// The VLM inside the pipeline, with a tiny random Qwen2-VL model: planned before loading, described
// segment by segment in batches, transitions at every hard cut, skipped without a model, refused when
// the plan cannot fit, retried smaller when an allocation fails, and released when done.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "analyzers/registry.h"
#include "base/error.h"
#include "memory/fault_injection.h"
#include "memory/probe.h"
#include "memory/release_check.h"
#include "pipeline/analysis.h"
#include "vlm/tiny_model_dir.h"
#include "vlm/vlm_engine.h"

namespace vidscope::pipeline {
namespace {

const std::string kMedia = VIDSCOPE_GENERATED_MEDIA_DIR;

struct ClearFaults {
  ~ClearFaults() { memory::set_fault_spec(""); }
};

class VlmAnalysis : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { model_ = testing::make_tiny_describing_model("pipeline"); }
  static void TearDownTestSuite() { std::filesystem::remove_all(model_); }

  static AnalysisRequest request(const std::string& video, std::vector<std::string> names) {
    AnalysisRequest r;
    r.video_path = video;
    r.plan.segment_duration_s = 2.0;
    r.threads = 2;
    r.sampler_interval = std::chrono::milliseconds(10);
    for (const auto& name : names) r.analyzers.push_back(analyzers::create_analyzer(name));
    // Small inputs and few tokens: the tiny model's text is noise; the plumbing is what is tested.
    r.analyzer_settings = {{"vlm_segments", {{"max_pixels", 100 * 100}, {"max_new_tokens", 3}, {"batch", 4}}},
                           {"vlm_transitions", {{"max_pixels", 100 * 100}, {"max_new_tokens", 3}, {"batch", 4}}}};
    r.vlm_model_dir = model_.string();
    return r;
  }

  static inline std::filesystem::path model_;
};

const AnalyzerRun& run_of(const Report& report, const std::string& name) {
  for (const auto& run : report.analyzer_runs) {
    if (run.name == name) return run;
  }
  throw std::runtime_error("no run for " + name);
}

TEST_F(VlmAnalysis, DescribesEverySegmentInBatchesAndReleasesTheModel) {
  AnalysisRequest r = request(kMedia + "/cuts.mp4", {"vlm_segments", "color"});
  r.memory_report = true;
  const Report report = run_analysis(std::move(r));
  ASSERT_EQ(run_of(report, "vlm_segments").status, RunStatus::kOk) << run_of(report, "vlm_segments").error;
  EXPECT_EQ(run_of(report, "color").status, RunStatus::kOk);
  const auto& result = report.analyzers.at("vlm_segments");
  const auto& segments = result.at("segments");
  ASSERT_EQ(segments.size(), report.segments.size());  // 20 s in 2 s segments
  EXPECT_EQ(segments.size(), 10u);
  for (std::size_t i = 0; i < segments.size(); ++i) {
    EXPECT_EQ(segments[i]["index"], report.segments[i].index);
    EXPECT_DOUBLE_EQ(segments[i]["t0"].get<double>(), report.segments[i].t0);
    EXPECT_DOUBLE_EQ(segments[i]["t1"].get<double>(), report.segments[i].t1);
    EXPECT_GE(segments[i]["tokens"].get<int>(), 1);
    EXPECT_LE(segments[i]["tokens"].get<int>(), 3);
    EXPECT_EQ(segments[i]["frames"], 3);
    // 320x180 (decoded to fit 140x140) at <= 10000 pixels: smart_resize gives 56x112 -> 4x8 patches
    // -> 8 tokens per temporal patch; 3 frames pad to 4 -> 2 temporal patches.
    EXPECT_EQ(segments[i]["visual_tokens"], 16);
    EXPECT_EQ(segments[i]["batch"], i < 8 ? 4 : 2);  // 10 segments in batches of 4, 4, 2
  }
  EXPECT_EQ(result.at("retries").size(), 0u);

  ASSERT_EQ(report.models.size(), 1u);
  const ModelRecord& model = report.models[0];
  EXPECT_TRUE(model.plan.feasible);
  EXPECT_EQ(memory::tier_name(model.plan.tier), "cpu-bf16");  // no GPU, plenty of RAM: the best CPU tier
  EXPECT_EQ(model.precision, "bf16");
  EXPECT_EQ(model.architecture, "Qwen2VLForConditionalGeneration");
  EXPECT_GT(model.predicted_peak_bytes, 0u);
  ASSERT_TRUE(model.release.has_value());
  EXPECT_GT(model.release->ledger_freed, 0u);              // the converted weights at least
  EXPECT_EQ(model.release->after_unload.owner_ledger_bytes, 0u);  // nothing of the model is left in the ledger
  // Per-owner table: the model's weights, KV cache and activations, and the decoder's frames.
  const auto& owners = report.memory.owners;
  EXPECT_GT(owners.at("vlm weights").at("weights_peak_bytes").get<Bytes>(), 0u);
  EXPECT_GT(owners.at("vlm kv cache").at("kv_cache_peak_bytes").get<Bytes>(), 0u);
  EXPECT_GT(owners.at("decoder").at("frames_peak_bytes").get<Bytes>(), 0u);
  // The model is visible in the timeline while loaded.
  bool seen = false;
  for (const auto& s : report.memory.timeline) {
    seen = seen || std::find(s.active.begin(), s.active.end(), "model:vlm") != s.active.end();
  }
  EXPECT_TRUE(seen);
}

TEST_F(VlmAnalysis, TransitionsAtEveryHardCut) {
  const Report report = run_analysis(request(kMedia + "/cuts.mp4", {"vlm_transitions"}));
  ASSERT_EQ(run_of(report, "vlm_transitions").status, RunStatus::kOk) << run_of(report, "vlm_transitions").error;
  std::ifstream truth_file(kMedia + "/cuts.truth.json");
  const auto truth = nlohmann::json::parse(truth_file);
  const auto& transitions = report.analyzers.at("vlm_transitions").at("transitions");
  ASSERT_EQ(transitions.size(), truth.at("hard_cuts_s").size());
  for (std::size_t i = 0; i < transitions.size(); ++i) {
    const double cut = truth["hard_cuts_s"][i].get<double>();
    EXPECT_NEAR(transitions[i]["cut_s"].get<double>(), cut, 0.1);
    // The pair is the last frame before the cut and the first after it (25 fps).
    EXPECT_NEAR(transitions[i]["to_frame_s"].get<double>() - transitions[i]["from_frame_s"].get<double>(), 0.04, 1e-6);
    EXPECT_GE(transitions[i]["tokens"].get<int>(), 1);
  }
  EXPECT_EQ(report.analyzers.at("vlm_transitions").at("cuts_not_described"), 0);
}

TEST_F(VlmAnalysis, WithoutAModelTheVlmAnalyzersAreSkippedWithTheReason) {
  AnalysisRequest r = request(kMedia + "/cuts.mp4", {"vlm_segments", "vlm_transitions", "color"});
  r.vlm_model_dir.clear();
  const Report report = run_analysis(std::move(r));
  for (const char* name : {"vlm_segments", "vlm_transitions"}) {
    const auto& result = report.analyzers.at(name);
    EXPECT_EQ(result.at("status"), "skipped") << name;
    EXPECT_NE(result.at("reason").get<std::string>().find("--model"), std::string::npos);
  }
  EXPECT_TRUE(report.models.empty());
  EXPECT_TRUE(report.analyzers.contains("color"));
}

TEST_F(VlmAnalysis, APlanThatCannotFitIsRefusedBeforeLoading) {
  AnalysisRequest r = request(kMedia + "/cuts.mp4", {"vlm_segments"});
  r.ram_budget = memory::BudgetSpec::parse("64MiB");  // below the planner's fixed RAM margin alone
  try {
    run_analysis(std::move(r));
    FAIL() << "expected a budget error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBudget);
    EXPECT_NE(std::string(e.what()).find("was not loaded"), std::string::npos) << e.what();
  }
}

TEST_F(VlmAnalysis, AFailedAllocationIsRetriedSmaller) {
  ClearFaults clear;
  memory::set_fault_spec("alloc:vlm kv cache:1");  // the first batch's KV cache
  const Report report = run_analysis(request(kMedia + "/cuts.mp4", {"vlm_segments"}));
  ASSERT_EQ(run_of(report, "vlm_segments").status, RunStatus::kOk) << run_of(report, "vlm_segments").error;
  const auto& result = report.analyzers.at("vlm_segments");
  EXPECT_EQ(result.at("segments").size(), 10u);
  ASSERT_EQ(result.at("retries").size(), 1u);
  EXPECT_NE(result["retries"][0]["action"].get<std::string>().find("split the batch of 4 into 2 + 2"), std::string::npos);
  EXPECT_EQ(result["segments"][0]["batch"], 2);
  EXPECT_EQ(result["segments"][4]["batch"], 4);
  EXPECT_EQ(report.settings.faults, "alloc:vlm kv cache:1");
}

TEST_F(VlmAnalysis, AnAllocationThatKeepsFailingFailsOnlyThatAnalyzer) {
  ClearFaults clear;
  memory::set_fault_spec("alloc:vlm kv cache:1:1000000");
  const Report report = run_analysis(request(kMedia + "/cuts.mp4", {"vlm_segments", "color"}));
  const auto& run = run_of(report, "vlm_segments");
  EXPECT_EQ(run.status, RunStatus::kFailed);
  EXPECT_NE(run.error.find("still out of memory"), std::string::npos) << run.error;
  EXPECT_EQ(run_of(report, "color").status, RunStatus::kOk);
  EXPECT_TRUE(report.analyzers.contains("color"));
  ASSERT_EQ(report.models.size(), 1u);
  EXPECT_TRUE(report.models[0].release.has_value());  // unloaded all the same
}

TEST_F(VlmAnalysis, UnderCriticalPressureEverythingStillRuns) {
  ClearFaults clear;
  memory::set_fault_spec("available:1MiB");
  AnalysisRequest r = request(kMedia + "/cuts.mp4", {"vlm_segments", "color", "shot_cuts"});
  r.ram_budget = memory::BudgetSpec::parse("2GiB");  // the pretended free RAM would otherwise be the budget
  const Report report = run_analysis(std::move(r));
  for (const auto& run : report.analyzer_runs) EXPECT_EQ(run.status, RunStatus::kOk) << run.name << ": " << run.error;
  ASSERT_FALSE(report.memory.pressure_events.empty());
  EXPECT_EQ(report.memory.pressure_events.front().level, PressureLevel::kCritical);
}

// Load and unload 50 times: anonymous RSS must not creep (<= 1 % between the 5th and the 50th).
TEST_F(VlmAnalysis, FiftyLoadsAndUnloadsDoNotGrowAnonymousMemory) {
  memory::MemoryLedger ledger;
  vlm::EngineOptions options;
  options.precision = vlm::WeightPrecision::kInt8;  // converted weights live in anonymous memory
  options.threads = 1;
  options.ledger = &ledger;
  Bytes anon_at_5 = 0;
  for (int i = 1; i <= 50; ++i) {
    {
      auto engine = vlm::VlmEngine::load(model_, options);
      EXPECT_GT(ledger.total(), 0u);
    }
    EXPECT_EQ(ledger.total(), 0u) << "iteration " << i;
    memory::trim_allocator_caches();
    if (i == 5) anon_at_5 = memory::read_process_memory().rss_anon;
  }
  const Bytes anon_at_50 = memory::read_process_memory().rss_anon;
  ASSERT_GT(anon_at_5, 0u);
  EXPECT_LE(static_cast<double>(anon_at_50), static_cast<double>(anon_at_5) * 1.01)
      << "anonymous RSS " << anon_at_5 << " -> " << anon_at_50;
}

}  // namespace
}  // namespace vidscope::pipeline
