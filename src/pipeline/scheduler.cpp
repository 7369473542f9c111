#include "pipeline/scheduler.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "base/error.h"
#include "base/log.h"
#include "memory/heap_usage.h"
#include "pipeline/step_profiles.h"

namespace vidscope::pipeline {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Bytes of decoded data a segment holds; a frame shared by two streams counts once.
Bytes segment_buffer_bytes(const media::Segment& segment) {
  std::set<const media::Frame*> seen;
  Bytes bytes = segment.audio.size() * sizeof(float);
  for (const auto& stream : segment.streams) {
    for (const auto& frame : stream) {
      if (frame && seen.insert(frame.get()).second) bytes += frame->byte_size();
    }
  }
  return bytes;
}

}  // namespace

struct Scheduler::InFlightSegment {
  media::Segment segment;
  int consumers_left = 0;
  memory::LedgerEntry buffers;  // released when the last consumer lets go of the segment
};

struct Scheduler::Slot {
  std::unique_ptr<analyzers::Analyzer> analyzer;
  analyzers::AnalyzerContext context;
  analyzers::AnalyzerNeeds needs;
  std::optional<size_t> stream_index;  // into streams_, when the analyzer wants frames
  std::string profile_key;             // in options_.profiles; "" without a store
  AnalyzerRun run;                     // written only by the one drain of this slot at a time
  nlohmann::json result;

  // Guarded by Scheduler::mutex_.
  std::deque<std::shared_ptr<InFlightSegment>> pending;
  bool busy = false;         // a drain job is queued or running
  bool begun = false;
  bool failed = false;
  bool input_ended = false;  // no segment will be added
  bool done = false;         // finish() ran (or was skipped); nothing more will happen
};

Scheduler::Scheduler(std::vector<std::unique_ptr<analyzers::Analyzer>> analyzers,
                     const analyzers::AnalyzerContext& context, SchedulerOptions options)
    : options_(std::move(options)), gate_(options_.budget) {
  if (options_.max_segments_in_flight < 1) throw_usage_error("at least one segment must be allowed in flight");
  std::set<std::string> names;
  for (auto& analyzer : analyzers) {
    if (!analyzer) throw_internal_error("the scheduler was given an empty analyzer");
    auto slot = std::make_unique<Slot>();
    slot->run.name = analyzer->name();
    if (!names.insert(slot->run.name).second) {
      throw_usage_error(fmt::format("analyzer '{}' was requested twice", slot->run.name));
    }
    slot->context = context;
    slot->context.settings = context.settings.is_object() && context.settings.contains(slot->run.name)
                                 ? context.settings.at(slot->run.name)
                                 : nlohmann::json::object();
    slot->needs = analyzer->needs(slot->context);
    slot->run.declared_ram_bytes = slot->needs.resources.ram_bytes;
    apply_profile(*slot);
    if (auto reason = gate_.why_never_fits(slot->needs.resources)) {
      throw_budget_error(fmt::format("analyzer '{}' {}; raise the budget or leave the analyzer out",
                                     slot->run.name, *reason));
    }
    if (slot->needs.resources.threads > options_.budget.threads) {
      warnings_.push_back(fmt::format("analyzer '{}' asks for {} threads; the thread budget is {}, so it runs with {}",
                                      slot->run.name, slot->needs.resources.threads, options_.budget.threads,
                                      options_.budget.threads));
    }
    slot->run.needs = gate_.admitted_needs(slot->needs.resources);
    if (slot->needs.frames) {
      auto it = std::find(streams_.begin(), streams_.end(), *slot->needs.frames);
      if (it == streams_.end()) it = streams_.insert(streams_.end(), *slot->needs.frames);
      slot->stream_index = static_cast<size_t>(it - streams_.begin());
    }
    wants_audio_ = wants_audio_ || slot->needs.audio;
    slot->analyzer = std::move(analyzer);
    slots_.push_back(std::move(slot));
  }
}

Scheduler::~Scheduler() = default;

void Scheduler::apply_profile(Slot& slot) {
  if (options_.profiles == nullptr || !options_.profiles->enabled()) return;
  slot.profile_key = step_profile_key(slot.run.name, slot.needs, slot.context);
  const std::optional<memory::StepProfile> profile = options_.profiles->find(slot.profile_key);
  if (!profile) return;
  Bytes admitted = admitted_step_bytes(*profile);
  if (admitted > options_.budget.ram_bytes) {
    // What it really used cannot be promised now; running it alone is the most that can be done.
    warnings_.push_back(fmt::format("analyzer '{}' allocated up to {} per step in an earlier run, more than the RAM "
                                    "budget {} allows beside it; its steps run alone",
                                    slot.run.name, format_bytes(profile->measured_bytes),
                                    format_bytes(options_.budget.ram_bytes)));
    admitted = options_.budget.ram_bytes;
  }
  slot.needs.resources.ram_bytes = admitted;
  slot.run.needs_source = "measured";
  slot.run.profiled_step_bytes = profile->measured_bytes;
}

ScheduleResult Scheduler::run(SegmentFeed& feed, const ProgressCallback& progress) {
  if (ran_) throw_internal_error("Scheduler::run() called twice");
  ran_ = true;
  // One worker per analyzer: each analyzer has at most one drain job, so a job waiting for admission
  // never keeps another analyzer from running. The gate, not the pool size, bounds the threads in use.
  ThreadPool pool(static_cast<unsigned>(std::max<size_t>(slots_.size(), 1)));
  try {
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [this] { return in_flight_ < options_.max_segments_in_flight; });
        const bool all_failed = !slots_.empty() && std::all_of(slots_.begin(), slots_.end(),
                                                                [](const auto& slot) { return slot->failed; });
        if (all_failed) break;  // nobody left to decode for
      }
      const auto decode_start = Clock::now();
      std::optional<media::Segment> segment = feed.next();
      decode_ms_ += ms_since(decode_start);
      if (!segment) break;
      if (segment->streams.size() < streams_.size()) {
        throw_internal_error(fmt::format("the segment feed delivered {} frame streams; {} were requested",
                                         segment->streams.size(), streams_.size()));
      }
      segments_.push_back({segment->index, segment->t0, segment->t1, segment->is_partial});
      dispatch(std::move(*segment), pool);
      if (progress) progress("analyze", std::clamp(feed.progress(), 0.0, 1.0));
    }
  } catch (...) {
    end_input(pool, /*stopping=*/true);
    throw;
  }
  end_input(pool, /*stopping=*/false);
  if (progress) progress("finish", 1.0);
  // The workers have finished: nothing else touches warnings_ now.
  const std::vector<std::string> feed_warnings = feed.warnings();
  warnings_.insert(warnings_.end(), feed_warnings.begin(), feed_warnings.end());
  return collect();
}

void Scheduler::dispatch(media::Segment segment, ThreadPool& pool) {
  auto item = std::make_shared<InFlightSegment>();
  if (options_.ledger) {
    item->buffers = options_.ledger->add("decoder", "cpu", memory::Purpose::kFrames, segment_buffer_bytes(segment));
  }
  item->segment = std::move(segment);
  std::lock_guard lock(mutex_);
  for (auto& slot : slots_) {
    if (slot->failed) continue;
    slot->pending.push_back(item);
    ++item->consumers_left;
  }
  if (item->consumers_left > 0) ++in_flight_;
  for (auto& slot : slots_) {
    if (!slot->pending.empty()) schedule_locked(*slot, pool);
  }
}

void Scheduler::schedule_locked(Slot& slot, ThreadPool& pool) {
  if (slot.busy || slot.done) return;
  slot.busy = true;
  pool.submit([this, &slot] { drain(slot); });
}

void Scheduler::drain(Slot& slot) {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (!slot.begun) {
      slot.begun = true;
      if (!slot.failed && !stopping_) {
        lock.unlock();
        run_guarded(slot, "begin", [&slot] { slot.analyzer->begin(slot.context); });
        lock.lock();
      }
      continue;
    }
    if (!slot.pending.empty()) {
      std::shared_ptr<InFlightSegment> item = std::move(slot.pending.front());
      slot.pending.pop_front();
      if (!slot.failed && !stopping_) {
        lock.unlock();
        process_segment(slot, item->segment);
        lock.lock();
      }
      release_consumer_locked(*item);
      continue;
    }
    if (slot.input_ended && !slot.done) {
      if (!slot.failed && !stopping_) {
        lock.unlock();
        run_guarded(slot, "finish", [&slot] { slot.result = slot.analyzer->finish(); });
        lock.lock();
        if (!slot.failed) slot.run.status = RunStatus::kOk;
      }
      slot.done = true;
      changed_.notify_all();
      continue;
    }
    slot.busy = false;
    changed_.notify_all();  // end_input() waits for every slot to be done and idle
    return;
  }
}

void Scheduler::process_segment(Slot& slot, const media::Segment& segment) {
  static const std::vector<media::FramePtr> kNoFrames;
  const auto wait_start = Clock::now();
  Reservation reservation;
  try {
    reservation = gate_.acquire(slot.needs.resources);
  } catch (const std::exception& e) {
    // The constructor checked every analyzer's needs, so this is a bug; still, fail only this analyzer.
    mark_failed(slot, fmt::format("segment {} ({}): {}", segment.index, slot.run.name, e.what()));
    return;
  }
  slot.run.wait_ms += ms_since(wait_start);

  const std::vector<media::FramePtr>& frames = slot.stream_index ? segment.streams[*slot.stream_index] : kNoFrames;
  const Bytes growth = run_guarded(slot, fmt::format("segment {}", segment.index), [&] {
    slot.analyzer->process(analyzers::SegmentInput{segment, frames});
    ++slot.run.segments;
  });
  slot.run.measured_step_bytes = std::max(slot.run.measured_step_bytes, growth);
}

Bytes Scheduler::run_guarded(Slot& slot, std::string_view phase, const std::function<void()>& step) {
  const std::string& name = slot.run.name;
  // Without a sampler the growth is measured at the ends of the step only.
  const Bytes heap_before = options_.sampler ? 0 : memory::heap_bytes_in_use();
  if (options_.sampler) options_.sampler->enter(name);
  const auto start = Clock::now();
  std::string error;
  try {
    step();
  } catch (const std::exception& e) {
    error = fmt::format("{} ({}): {}", phase, name, e.what());
  } catch (...) {
    error = fmt::format("{} ({}): unknown exception", phase, name);
  }
  slot.run.run_ms += ms_since(start);
  Bytes growth = 0;
  if (options_.sampler) {
    growth = options_.sampler->leave(name);
  } else {
    const Bytes heap_after = memory::heap_bytes_in_use();
    growth = heap_after > heap_before ? heap_after - heap_before : 0;
  }
  if (!error.empty()) mark_failed(slot, std::move(error));
  return growth;
}

void Scheduler::mark_failed(Slot& slot, std::string error) {
  spdlog::warn("analyzer '{}' failed in {}", slot.run.name, error);
  std::lock_guard lock(mutex_);
  slot.failed = true;
  slot.run.status = RunStatus::kFailed;
  slot.run.error = std::move(error);
}

void Scheduler::release_consumer_locked(InFlightSegment& item) {
  if (--item.consumers_left > 0) return;
  item.buffers.release();
  --in_flight_;
  changed_.notify_all();
}

void Scheduler::end_input(ThreadPool& pool, bool stopping) {
  std::unique_lock lock(mutex_);
  stopping_ = stopping_ || stopping;
  for (auto& slot : slots_) {
    slot->input_ended = true;
    schedule_locked(*slot, pool);
  }
  changed_.wait(lock, [this] {
    return std::all_of(slots_.begin(), slots_.end(), [](const auto& slot) { return slot->done && !slot->busy; });
  });
}

ScheduleResult Scheduler::collect() {
  ScheduleResult result;
  result.segments = segments_;
  result.decode_ms = decode_ms_;
  result.warnings = warnings_;
  for (auto& slot : slots_) {
    if (options_.sampler) slot->run.peak_rss_bytes = options_.sampler->peak_rss_while(slot->run.name);
    // Only complete runs teach the store: a failed one may have stopped before its largest step.
    if (!slot->profile_key.empty() && slot->run.status == RunStatus::kOk && slot->run.segments > 0) {
      options_.profiles->record(slot->profile_key, slot->run.measured_step_bytes, slot->run.declared_ram_bytes,
                                slot->run.segments);
    }
    if (slot->run.status == RunStatus::kOk) result.analyzers[slot->run.name] = std::move(slot->result);
    result.runs.push_back(slot->run);
  }
  return result;
}

}  // namespace vidscope::pipeline
