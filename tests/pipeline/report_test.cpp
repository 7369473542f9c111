#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "memory/sampler.h"
#include "pipeline/fakes.h"
#include "pipeline/report.h"
#include "pipeline/scheduler.h"

namespace vidscope::pipeline {
namespace {

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/vidscope-report-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

Report sample_report() {
  memory::Budget budget;
  budget.ram_bytes = kGiB;
  budget.threads = 2;
  memory::MemorySampler sampler(std::chrono::milliseconds(5));
  sampler.start();
  std::vector<std::unique_ptr<analyzers::Analyzer>> list;
  list.push_back(testing::make_fake({.name = "ok"}, std::make_shared<testing::Observations>()));
  list.push_back(testing::make_fake({.name = "broken", .throw_at_segment = 1}, std::make_shared<testing::Observations>()));
  SchedulerOptions options{budget};
  options.sampler = &sampler;
  Scheduler scheduler(std::move(list), analyzers::AnalyzerContext{}, options);
  testing::FakeFeed feed(3, scheduler.streams().size());
  ScheduleResult result = scheduler.run(feed);
  sampler.stop();

  Report report;
  report.video.path = "clip.mp4";
  report.video.duration_s = 3;
  report.settings.analyzers = {"ok", "broken"};
  report.settings.ram_budget = "1GiB";
  report.settings.ram_budget_bytes = kGiB;
  report.settings.threads = 2;
  report.segments = result.segments;
  report.analyzers = result.analyzers;
  report.analyzer_runs = result.runs;
  report.decode_ms = result.decode_ms;
  report.total_ms = 12.5;
  report.memory.peak_rss_bytes = sampler.peak_rss();
  report.memory.peak_rss_anon_bytes = sampler.peak_rss_anon();
  report.memory.peak_pss_bytes = sampler.peak_pss();
  report.memory.system = memory::read_system_memory();
  report.memory.timeline = sampler.samples();
  report.warnings.push_back("analyzer 'broken' failed");
  return report;
}

// Every key docs/report-schema.md documents as always present.
TEST(Report, JsonCarriesTheDocumentedKeys) {
  const nlohmann::json json = sample_report();
  EXPECT_EQ(json["schema_version"], "1.2");
  EXPECT_EQ(json["generator"]["name"], "vidscope");
  EXPECT_FALSE(json["generator"]["version"].get<std::string>().empty());
  EXPECT_EQ(json["video"]["path"], "clip.mp4");
  for (const char* key : {"segment_plan", "ram_budget", "ram_budget_bytes", "gpu_budget", "gpu_budget_bytes",
                          "threads", "max_segments_in_flight", "sampler_interval_ms", "analyzers",
                          "analyzer_settings"}) {
    EXPECT_TRUE(json["settings"].contains(key)) << key;
  }
  ASSERT_EQ(json["segments"].size(), 3u);
  EXPECT_EQ(json["segments"][1], nlohmann::json({{"index", 1}, {"t0", 1.0}, {"t1", 2.0}, {"is_partial", false}}));
  EXPECT_TRUE(json["analyzers"].contains("ok"));
  EXPECT_FALSE(json["analyzers"].contains("broken"));
  for (const char* name : {"ok", "broken"}) {
    const auto& run = json["analyzer_runs"][name];
    for (const char* key : {"status", "error", "run_ms", "wait_ms", "segments", "peak_rss_bytes", "needs"}) {
      EXPECT_TRUE(run.contains(key)) << name << "." << key;
    }
  }
  EXPECT_EQ(json["analyzer_runs"]["ok"]["status"], "ok");
  EXPECT_EQ(json["analyzer_runs"]["broken"]["status"], "failed");
  EXPECT_NE(json["analyzer_runs"]["broken"]["error"].get<std::string>().find("segment 1"), std::string::npos);
  EXPECT_TRUE(json["timings"].contains("decode_ms"));
  EXPECT_EQ(json["timings"]["total_ms"], 12.5);
  const auto& memory = json["memory"];
  EXPECT_GT(memory["peak_rss_bytes"].get<Bytes>(), 0u);
  EXPECT_GT(memory["peak_rss_anon_bytes"].get<Bytes>(), 0u);
  EXPECT_TRUE(memory["system"].contains("total_bytes"));
  EXPECT_TRUE(memory["system"].contains("available_bytes"));
  EXPECT_EQ(memory["gpu"], "no GPU");
  ASSERT_FALSE(memory["timeline"].empty());
  for (const char* key : {"t_s", "rss", "rss_anon", "rss_file", "active"}) {
    EXPECT_TRUE(memory["timeline"][0].contains(key)) << key;
  }
  EXPECT_EQ(json["warnings"].size(), 1u);
}

TEST(Report, GpuIsAnObjectWhenPresent) {
  Report report;
  report.memory.gpu = memory::GpuMemory{0, "Test GPU", 8 * kGiB, 7 * kGiB};
  const nlohmann::json json = report;
  EXPECT_EQ(json["memory"]["gpu"]["name"], "Test GPU");
  EXPECT_EQ(json["memory"]["gpu"]["free_bytes"], 7 * kGiB);
}

TEST(Report, WrittenAtomicallyAndParsesBack) {
  TempDir dir;
  const auto path = dir.path() / "report.json";
  {
    std::ofstream old(path);
    old << "old report";
  }
  const Report report = sample_report();
  write_report(path, report);
  std::ifstream in(path);
  const nlohmann::json parsed = nlohmann::json::parse(in);
  EXPECT_EQ(parsed, nlohmann::json(report));
  // Nothing but the report is left in the directory: the temporary file was renamed over it.
  int files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1);
}

TEST(Report, WritingIntoAMissingDirectoryIsAnInputError) {
  TempDir dir;
  try {
    write_report(dir.path() / "no-such-dir" / "report.json", Report{});
    ADD_FAILURE() << "wrote into a missing directory";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(std::string(e.what()).find("no-such-dir"), std::string::npos);
  }
}

TEST(Report, InvalidUtf8InAPathDoesNotBreakTheReport) {
  Report report;
  report.video.path = std::string("clip\xff.mp4");
  TempDir dir;
  write_report(dir.path() / "r.json", report);
  std::ifstream in(dir.path() / "r.json");
  const nlohmann::json parsed = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(parsed.is_discarded());
  EXPECT_NE(parsed["video"]["path"].get<std::string>().find("clip"), std::string::npos);
}

}  // namespace
}  // namespace vidscope::pipeline
