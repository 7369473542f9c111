#pragma once
// Runs a set of analyzers over the segments of one feed: each segment is decoded once and handed to
// every analyzer; analyzers run concurrently with each other, each one's segments strictly in order
// and never two at once. Each step is admitted against the budget (resource_gate.h), and at most
// `max_segments_in_flight` segments are held at a time, so memory does not grow with video length.
#include <functional>
#include <memory>
#include <mutex>
#include <condition_variable>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "analyzers/analyzer.h"
#include "base/thread_pool.h"
#include "media/frame_stream.h"
#include "memory/budget.h"
#include "memory/ledger.h"
#include "memory/profile_store.h"
#include "memory/sampler.h"
#include "pipeline/report.h"
#include "pipeline/resource_gate.h"
#include "pipeline/segment_feed.h"

namespace vidscope::pipeline {

// Called on the thread that called run(): stage ("analyze", "finish") and fraction in [0, 1].
using ProgressCallback = std::function<void(std::string_view stage, double fraction)>;

struct SchedulerOptions {
  memory::Budget budget;
  int max_segments_in_flight = 2;             // at least 1
  memory::MemorySampler* sampler = nullptr;   // optional, not owned: tags samples with running analyzers
  memory::MemoryLedger* ledger = nullptr;     // optional, not owned: records in-flight segment buffers
  // Optional, not owned: measured step peaks of earlier runs. An analyzer with a profile is admitted by
  // its measurement (step_profiles.h) instead of its declaration; each ok analyzer's measurement of
  // this run is recorded into it (the caller saves it).
  memory::ProfileStore* profiles = nullptr;
};

struct ScheduleResult {
  std::vector<SegmentRecord> segments;
  nlohmann::json analyzers = nlohmann::json::object();  // name -> result, ok analyzers only
  std::vector<AnalyzerRun> runs;                        // in the order the analyzers were given
  double decode_ms = 0;                                 // time inside feed.next()
  std::vector<std::string> warnings;
};

class Scheduler {
 public:
  // `context.settings` is an object keyed by analyzer name; each analyzer sees its own entry (an
  // empty object when absent) as its context's settings. Calls every analyzer's needs() now, so that
  // nothing is decoded when the run cannot work:
  //  - Error(kUsage) when two analyzers share a name; errors thrown by needs() propagate;
  //  - Error(kBudget) naming the analyzer, its need and the budget when a step can never fit.
  Scheduler(std::vector<std::unique_ptr<analyzers::Analyzer>> analyzers, const analyzers::AnalyzerContext& context,
            SchedulerOptions options);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // What the feed must deliver: the distinct frame streams (Segment::streams follows this order) and
  // whether any analyzer wants audio.
  const std::vector<media::FrameStreamSpec>& streams() const { return streams_; }
  bool wants_audio() const { return wants_audio_; }
  const std::vector<std::string>& warnings() const { return warnings_; }
  // The admission gate, for the governor (pressure_monitor.h) to narrow under memory pressure.
  ResourceGate& gate() { return gate_; }

  // Runs every analyzer over every segment of `feed`; call once. An analyzer that throws is marked
  // failed (its message kept) and the others go on. An exception from the feed stops the run: work
  // already admitted finishes, no finish() is called, and the exception propagates.
  ScheduleResult run(SegmentFeed& feed, const ProgressCallback& progress = {});

 private:
  struct Slot;
  struct InFlightSegment;

  void dispatch(media::Segment segment, ThreadPool& pool);
  void schedule_locked(Slot& slot, ThreadPool& pool);
  void drain(Slot& slot);
  void process_segment(Slot& slot, const media::Segment& segment);
  // Runs one step of the slot's analyzer, failing the analyzer if it throws; returns the step's heap
  // growth (see MemorySampler::leave).
  Bytes run_guarded(Slot& slot, std::string_view phase, const std::function<void()>& step);
  void apply_profile(Slot& slot);
  void mark_failed(Slot& slot, std::string error);
  void release_consumer_locked(InFlightSegment& item);
  void end_input(ThreadPool& pool, bool stopping);
  ScheduleResult collect();

  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<media::FrameStreamSpec> streams_;
  bool wants_audio_ = false;
  std::vector<std::string> warnings_;
  SchedulerOptions options_;
  ResourceGate gate_;
  bool ran_ = false;

  std::mutex mutex_;
  std::condition_variable changed_;  // a segment left flight or an analyzer finished
  int in_flight_ = 0;
  bool stopping_ = false;            // the feed failed: skip remaining work
  std::vector<SegmentRecord> segments_;
  double decode_ms_ = 0;
};

}  // namespace vidscope::pipeline
