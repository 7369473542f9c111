#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "base/error.h"
#include "memory/ledger.h"
#include "memory/sampler.h"
#include "pipeline/fakes.h"
#include "pipeline/scheduler.h"

namespace vidscope::pipeline {
namespace {

using testing::FakeConfig;
using testing::FakeFeed;
using testing::Observations;
using testing::budget;
using testing::make_fake;

analyzers::AnalyzerContext context(nlohmann::json settings = nlohmann::json::object()) {
  analyzers::AnalyzerContext c;
  c.video.duration_s = 10;
  c.settings = std::move(settings);
  return c;
}

std::vector<int> iota_vector(int n) {
  std::vector<int> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

const AnalyzerRun& run_of(const ScheduleResult& result, const std::string& name) {
  auto it = std::find_if(result.runs.begin(), result.runs.end(), [&](const auto& r) { return r.name == name; });
  if (it == result.runs.end()) throw std::runtime_error("no run for " + name);
  return *it;
}

TEST(Scheduler, EveryAnalyzerSeesEverySegmentInOrderExactlyOnce) {
  std::vector<std::shared_ptr<Observations>> seen;
  std::vector<std::unique_ptr<analyzers::Analyzer>> list;
  for (int i = 0; i < 3; ++i) {
    seen.push_back(std::make_shared<Observations>());
    FakeConfig config;
    config.name = "fake" + std::to_string(i);
    list.push_back(make_fake(config, seen.back()));
  }
  Scheduler scheduler(std::move(list), context(), {budget(kGiB), 3});
  FakeFeed feed(25, scheduler.streams().size());
  const ScheduleResult result = scheduler.run(feed);

  ASSERT_EQ(result.segments.size(), 25u);
  for (const auto& s : seen) {
    EXPECT_EQ(s->segments, iota_vector(25));
    EXPECT_EQ(s->begins, 1);
    EXPECT_EQ(s->finishes, 1);
    EXPECT_EQ(s->max_inside.load(), 1);  // never two segments at once on one instance
  }
  for (int i = 0; i < 3; ++i) {
    const AnalyzerRun& run = run_of(result, "fake" + std::to_string(i));
    EXPECT_EQ(run.status, RunStatus::kOk);
    EXPECT_EQ(run.segments, 25);
    EXPECT_EQ(result.analyzers.at(run.name).at("processed"), 25);
  }
}

TEST(Scheduler, IdenticalFrameSpecsShareOneStreamAndEachAnalyzerGetsItsOwn) {
  media::FrameStreamSpec small;
  small.max_width = 64;
  media::FrameStreamSpec every;
  every.mode = media::SampleMode::kEveryFrame;
  auto a = std::make_shared<Observations>();
  auto b = std::make_shared<Observations>();
  auto c = std::make_shared<Observations>();
  auto d = std::make_shared<Observations>();
  std::vector<std::unique_ptr<analyzers::Analyzer>> list;
  list.push_back(make_fake({.name = "a", .frames = small}, a));
  list.push_back(make_fake({.name = "b", .frames = every, .audio = true}, b));
  list.push_back(make_fake({.name = "c", .frames = small}, c));
  list.push_back(make_fake({.name = "d", .frames = std::nullopt}, d));
  Scheduler scheduler(std::move(list), context(), {budget(kGiB)});
  ASSERT_EQ(scheduler.streams().size(), 2u);
  EXPECT_EQ(scheduler.streams()[0], small);
  EXPECT_EQ(scheduler.streams()[1], every);
  EXPECT_TRUE(scheduler.wants_audio());

  FakeFeed feed(3, scheduler.streams().size());
  scheduler.run(feed);
  // FakeFeed gives stream s frames of width s + 1.
  EXPECT_EQ(a->frame_widths, (std::vector<int>{1, 1, 1}));
  EXPECT_EQ(b->frame_widths, (std::vector<int>{2, 2, 2}));
  EXPECT_EQ(c->frame_widths, (std::vector<int>{1, 1, 1}));
  EXPECT_EQ(d->frame_widths, (std::vector<int>{0, 0, 0}));
}

TEST(Scheduler, DifferentAnalyzersRunConcurrently) {
  // Both analyzers wait inside process() of segment 0 until the other one is there too: this only
  // completes when the scheduler runs them at the same time.
  testing::Rendezvous both(2);
  std::atomic<int> met{0};
  auto probe = [&](int segment) {
    if (segment == 0 && both.arrive_and_wait()) ++met;
  };
  std::vector<std::unique_ptr<analyzers::Analyzer>> list;
  list.push_back(make_fake({.name = "left", .on_process = probe}, std::make_shared<Observations>()));
  list.push_back(make_fake({.name = "right", .on_process = probe}, std::make_shared<Observations>()));
  Scheduler scheduler(std::move(list), context(), {budget(kGiB, 2)});
  FakeFeed feed(4, scheduler.streams().size());
  const ScheduleResult result = scheduler.run(feed);
  EXPECT_EQ(met.load(), 2);
  EXPECT_EQ(run_of(result, "left").status, RunStatus::kOk);
  EXPECT_EQ(run_of(result, "right").status, RunStatus::kOk);
}

TEST(Scheduler, FailingAnalyzerIsReportedAndOthersContinue) {
  auto good = std::make_shared<Observations>();
  auto bad = std::make_shared<Observations>();
  auto bad_finish = std::make_shared<Observations>();
  auto bad_begin = std::make_shared<Observations>();
  std::vector<std::unique_ptr<analyzers::Analyzer>> list;
  list.push_back(make_fake({.name = "good"}, good));
  list.push_back(make_fake({.name = "bad", .throw_at_segment = 3}, bad));
  list.push_back(make_fake({.name = "bad_finish", .throw_in_finish = true}, bad_finish));
  list.push_back(make_fake({.name = "bad_begin", .throw_in_begin = true}, bad_begin));
  Scheduler scheduler(std::move(list), context(), {budget(kGiB)});
  FakeFeed feed(10, scheduler.streams().size());
  const ScheduleResult result = scheduler.run(feed);

  EXPECT_EQ(good->segments, iota_vector(10));
  EXPECT_EQ(run_of(result, "good").status, RunStatus::kOk);
  EXPECT_TRUE(result.analyzers.contains("good"));

  const AnalyzerRun& failed = run_of(result, "bad");
  EXPECT_EQ(failed.status, RunStatus::kFailed);
  EXPECT_NE(failed.error.find("bad data in segment 3"), std::string::npos) << failed.error;
  EXPECT_NE(failed.error.find("segment 3"), std::string::npos);
  EXPECT_EQ(failed.segments, 3);                             // 0, 1, 2 succeeded
  EXPECT_EQ(bad->segments, (std::vector<int>{0, 1, 2, 3}));  // nothing after the failure
  EXPECT_EQ(bad->finishes, 0);
  EXPECT_FALSE(result.analyzers.contains("bad"));

  EXPECT_EQ(run_of(result, "bad_finish").status, RunStatus::kFailed);
  EXPECT_NE(run_of(result, "bad_finish").error.find("cannot summarize"), std::string::npos);
  EXPECT_EQ(bad_finish->segments.size(), 10u);

  EXPECT_EQ(run_of(result, "bad_begin").status, RunStatus::kFailed);
  EXPECT_NE(run_of(result, "bad_begin").error.find("cannot begin"), std::string::npos);
  EXPECT_TRUE(bad_begin->segments.empty());
}

TEST(Scheduler, ImpossibleBudgetFailsBeforeAnySegmentIsDecoded) {
  auto seen = std::make_shared<Observations>();
  std::vector<std::unique_ptr<analyzers::Analyzer>> list;
  list.push_back(make_fake({.name = "small", .resources = {kMiB, 0, 1}}, std::make_shared<Observations>()));
  list.push_back(make_fake({.name = "huge", .resources = {2 * kGiB, 0, 1}}, seen));
  try {
    Scheduler scheduler(std::move(list), context(), {budget(kGiB)});
    ADD_FAILURE() << "an analyzer needing 2 GiB was accepted under a 1 GiB budget";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBudget);
    EXPECT_EQ(e.exit_code(), 4);
    const std::string message = e.what();
    EXPECT_NE(message.find("huge"), std::string::npos) << message;
    EXPECT_NE(message.find("2.00 GiB"), std::string::npos) << message;
    EXPECT_NE(message.find("1.00 GiB"), std::string::npos) << message;
  }
  EXPECT_TRUE(seen->segments.empty());
  EXPECT_EQ(seen->begins, 0);
}

TEST(Scheduler, GpuNeedWithoutGpuIsABudgetError) {
  std::vector<std::unique_ptr<analyzers::Analyzer>> list;
  list.push_back(make_fake({.name = "vlm", .resources = {kMiB, kGiB, 1}}, std::make_shared<Observations>()));
  try {
    Scheduler scheduler(std::move(list), context(), {budget(kGiB)});
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBudget);
    EXPECT_NE(std::string(e.what()).find("no GPU"), std::string::npos) << e.what();
  }
}

TEST(Scheduler, AdmissionNeverExceedsTheBudget) {
  // Three analyzers needing 400 MiB each under a 1 GiB budget: at most two may run at once. Each
  // one adds its need to `reserved` while inside process(); the maximum is what was really admitted.
  std::atomic<Bytes> reserved{0};
  std::atomic<Bytes> max_reserved{0};
  constexpr Bytes kNeed = 400 * kMiB;
  auto track = [&](int) {
    const Bytes now = reserved += kNeed;
    Bytes expected = max_reserved.load();
    while (now > expected && !max_reserved.compare_exchange_weak(expected, now)) {
    }
    std::this_thread::yield();
    reserved -= kNeed;
  };
  std::vector<std::unique_ptr<analyzers::Analyzer>> list;
  for (int i = 0; i < 3; ++i) {
    list.push_back(make_fake({.name = std::string("a") + std::to_string(i), .resources = {kNeed, 0, 1}, .on_process = track},
                             std::make_shared<Observations>()));
  }
  Scheduler scheduler(std::move(list), context(), {budget(kGiB, 8), 3});
  FakeFeed feed(40, scheduler.streams().size());
  const ScheduleResult result = scheduler.run(feed);
  EXPECT_LE(max_reserved.load(), kGiB);
  EXPECT_GE(max_reserved.load(), kNeed);
  for (const auto& run : result.runs) EXPECT_EQ(run.segments, 40);
}

TEST(Scheduler, ThreadBudgetOfOneSerializesSteps) {
  std::atomic<int> inside{0};
  std::atomic<int> max_inside{0};
  auto track = [&](int) {
    const int now = ++inside;
    int expected = max_inside.load();
    while (now > expected && !max_inside.compare_exchange_weak(expected, now)) {
    }
    std::this_thread::yield();
    --inside;
  };
  std::vector<std::unique_ptr<analyzers::Analyzer>> list;
  for (int i = 0; i < 3; ++i) {
    list.push_back(make_fake({.name = std::string("t") + std::to_string(i), .resources = {0, 0, 4}, .on_process = track},
                             std::make_shared<Observations>()));
  }
  Scheduler scheduler(std::move(list), context(), {budget(kGiB, 1), 3});
  EXPECT_EQ(scheduler.warnings().size(), 3u);  // each asked for 4 threads and gets 1
  FakeFeed feed(20, scheduler.streams().size());
  const ScheduleResult result = scheduler.run(feed);
  EXPECT_EQ(max_inside.load(), 1);
  EXPECT_EQ(result.runs.front().needs.threads, 1u);
}

TEST(Scheduler, SegmentsInFlightAreBounded) {
  // Each segment carries 1 MiB of frames entered in the ledger; with two in flight the ledger can
  // never hold more than 2 MiB, however long the video.
  memory::MemoryLedger ledger;
  std::vector<std::unique_ptr<analyzers::Analyzer>> list;
  list.push_back(make_fake({.name = "slow", .on_process = [](int) { std::this_thread::yield(); }},
                           std::make_shared<Observations>()));
  list.push_back(make_fake({.name = "fast"}, std::make_shared<Observations>()));
  SchedulerOptions options{budget(kGiB), 2};
  options.ledger = &ledger;
  Scheduler scheduler(std::move(list), context(), options);
  FakeFeed feed(50, scheduler.streams().size(), kMiB);
  scheduler.run(feed);
  EXPECT_LE(ledger.peak_total(), 2 * kMiB);
  EXPECT_GE(ledger.peak_total(), kMiB);
  EXPECT_EQ(ledger.total(), 0u);  // every segment released at the end
}

TEST(Scheduler, EachAnalyzerGetsItsOwnSettings) {
  auto a = std::make_shared<Observations>();
  std::vector<std::unique_ptr<analyzers::Analyzer>> list;
  list.push_back(make_fake({.name = "a"}, a));
  list.push_back(make_fake({.name = "b"}, std::make_shared<Observations>()));
  Scheduler scheduler(std::move(list), context({{"a", {{"threshold", 3}}}}), {budget(kGiB)});
  FakeFeed feed(1, scheduler.streams().size());
  const ScheduleResult result = scheduler.run(feed);
  EXPECT_EQ(result.analyzers["a"]["settings"], nlohmann::json({{"threshold", 3}}));
  EXPECT_EQ(result.analyzers["b"]["settings"], nlohmann::json::object());
}

TEST(Scheduler, DuplicateNamesAreAUsageError) {
  std::vector<std::unique_ptr<analyzers::Analyzer>> list;
  list.push_back(make_fake({.name = "x"}, std::make_shared<Observations>()));
  list.push_back(make_fake({.name = "x"}, std::make_shared<Observations>()));
  try {
    Scheduler scheduler(std::move(list), context(), {budget(kGiB)});
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
  }
}

TEST(Scheduler, EmptyVideoStillBeginsAndFinishes) {
  auto seen = std::make_shared<Observations>();
  std::vector<std::unique_ptr<analyzers::Analyzer>> list;
  list.push_back(make_fake({.name = "a"}, seen));
  Scheduler scheduler(std::move(list), context(), {budget(kGiB)});
  FakeFeed feed(0, scheduler.streams().size());
  const ScheduleResult result = scheduler.run(feed);
  EXPECT_TRUE(result.segments.empty());
  EXPECT_EQ(seen->begins, 1);
  EXPECT_EQ(seen->finishes, 1);
  EXPECT_EQ(result.runs.front().status, RunStatus::kOk);
}

TEST(Scheduler, FeedErrorStopsTheRunAndPropagates) {
  auto seen = std::make_shared<Observations>();
  std::vector<std::unique_ptr<analyzers::Analyzer>> list;
  list.push_back(make_fake({.name = "a"}, seen));
  Scheduler scheduler(std::move(list), context(), {budget(kGiB)});
  testing::BrokenFeed feed(3);
  EXPECT_THROW(scheduler.run(feed), std::runtime_error);
  EXPECT_LE(seen->segments.size(), 3u);
  EXPECT_EQ(seen->finishes, 0);
}

TEST(Scheduler, RecordsTimesAndPeakMemoryPerAnalyzer) {
  memory::MemorySampler sampler(std::chrono::milliseconds(5));
  sampler.start();
  std::vector<std::unique_ptr<analyzers::Analyzer>> list;
  list.push_back(make_fake({.name = "a"}, std::make_shared<Observations>()));
  SchedulerOptions options{budget(kGiB)};
  options.sampler = &sampler;
  Scheduler scheduler(std::move(list), context(), options);
  FakeFeed feed(5, scheduler.streams().size());
  std::vector<double> fractions;
  const ScheduleResult result =
      scheduler.run(feed, [&](std::string_view, double fraction) { fractions.push_back(fraction); });
  sampler.stop();
  const AnalyzerRun& run = result.runs.front();
  EXPECT_GT(run.peak_rss_bytes, 0u);  // enter()/leave() read RSS around every step
  EXPECT_GE(run.run_ms, 0.0);
  EXPECT_GE(run.wait_ms, 0.0);
  ASSERT_FALSE(fractions.empty());
  EXPECT_TRUE(std::is_sorted(fractions.begin(), fractions.end()));
  EXPECT_DOUBLE_EQ(fractions.back(), 1.0);
}

}  // namespace
}  // namespace vidscope::pipeline
