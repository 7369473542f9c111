#pragma once
// A fake segment feed and configurable fake analyzers, so the scheduler is tested without decoding.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "analyzers/analyzer.h"
#include "memory/budget.h"
#include "pipeline/segment_feed.h"

namespace vidscope::pipeline::testing {

// A scheduler budget of `ram` bytes of RAM and `threads` threads, no GPU.
inline memory::Budget budget(Bytes ram, unsigned threads = 4) {
  memory::Budget b;
  b.ram_bytes = ram;
  b.threads = threads;
  return b;
}

// Delivers `count` 1-second segments. Stream s of segment i holds one frame with width s + 1 and
// index i, so a test can tell which stream an analyzer received. Each frame holds
// `frame_bytes` bytes of pixels.
class FakeFeed final : public SegmentFeed {
 public:
  FakeFeed(int count, size_t stream_count, size_t frame_bytes = 3)
      : count_(count), stream_count_(stream_count), frame_bytes_(frame_bytes) {}

  std::optional<media::Segment> next() override {
    ++next_calls_;
    if (produced_ >= count_) return std::nullopt;
    media::Segment segment;
    segment.index = produced_;
    segment.t0 = produced_;
    segment.t1 = produced_ + 1.0;
    segment.is_last = produced_ + 1 == count_;
    for (size_t s = 0; s < stream_count_; ++s) {
      auto frame = std::make_shared<media::Frame>();
      frame->index = produced_;
      frame->time_s = produced_;
      frame->width = static_cast<int>(s) + 1;
      frame->height = 1;
      frame->rgb.assign(frame_bytes_, 0);
      segment.streams.push_back({frame});
    }
    ++produced_;
    return segment;
  }
  double progress() const override { return count_ == 0 ? 1.0 : static_cast<double>(produced_) / count_; }
  int expected_segment_count() const override { return count_; }

  int next_calls() const { return next_calls_; }

 private:
  int count_;
  size_t stream_count_;
  size_t frame_bytes_;
  int produced_ = 0;
  int next_calls_ = 0;
};

// A feed whose next() throws after `good` segments.
class BrokenFeed final : public SegmentFeed {
 public:
  explicit BrokenFeed(int good) : inner_(good, 1) , good_(good) {}
  std::optional<media::Segment> next() override {
    if (delivered_++ == good_) throw std::runtime_error("decoder exploded");
    return inner_.next();
  }
  double progress() const override { return 0.5; }
  int expected_segment_count() const override { return good_ + 1; }

 private:
  FakeFeed inner_;
  int good_;
  int delivered_ = 0;
};

// What a FakeAnalyzer saw, kept outside it because the scheduler owns the analyzer.
struct Observations {
  std::mutex mutex;
  std::vector<int> segments;       // indices in the order process() saw them
  std::vector<int> frame_widths;   // width of the first frame of each segment (0: no frames)
  int begins = 0;
  int finishes = 0;
  std::atomic<int> inside{0};
  std::atomic<int> max_inside{0};  // concurrent process() calls on this one instance
};

struct FakeConfig {
  std::string name = "fake";
  std::optional<media::FrameStreamSpec> frames = media::FrameStreamSpec{};
  bool audio = false;
  analyzers::ResourceNeeds resources;
  int throw_at_segment = -1;        // process() throws on this segment index
  bool throw_in_finish = false;
  bool throw_in_begin = false;
  std::function<void(int segment_index)> on_process;  // runs inside process(), for concurrency probes
};

class FakeAnalyzer final : public analyzers::Analyzer {
 public:
  FakeAnalyzer(FakeConfig config, std::shared_ptr<Observations> seen)
      : config_(std::move(config)), seen_(std::move(seen)) {}

  std::string name() const override { return config_.name; }
  std::string description() const override { return "test double"; }
  analyzers::AnalyzerNeeds needs(const analyzers::AnalyzerContext&) const override {
    analyzers::AnalyzerNeeds needs;
    needs.frames = config_.frames;
    needs.audio = config_.audio;
    needs.resources = config_.resources;
    return needs;
  }
  void begin(const analyzers::AnalyzerContext& context) override {
    if (config_.throw_in_begin) throw std::runtime_error("cannot begin");
    std::lock_guard lock(seen_->mutex);
    ++seen_->begins;
    settings_ = context.settings;
  }
  void process(const analyzers::SegmentInput& input) override {
    const int now_inside = ++seen_->inside;
    int expected = seen_->max_inside.load();
    while (now_inside > expected && !seen_->max_inside.compare_exchange_weak(expected, now_inside)) {
    }
    {
      std::lock_guard lock(seen_->mutex);
      seen_->segments.push_back(input.segment.index);
      seen_->frame_widths.push_back(input.frames.empty() ? 0 : input.frames.front()->width);
    }
    if (config_.on_process) config_.on_process(input.segment.index);
    --seen_->inside;
    if (input.segment.index == config_.throw_at_segment) {
      throw std::runtime_error("bad data in segment " + std::to_string(input.segment.index));
    }
    ++processed_;
  }
  nlohmann::json finish() override {
    if (config_.throw_in_finish) throw std::runtime_error("cannot summarize");
    std::lock_guard lock(seen_->mutex);
    ++seen_->finishes;
    return {{"processed", processed_}, {"settings", settings_}};
  }

 private:
  FakeConfig config_;
  std::shared_ptr<Observations> seen_;
  int processed_ = 0;
  nlohmann::json settings_;
};

inline std::unique_ptr<analyzers::Analyzer> make_fake(FakeConfig config, std::shared_ptr<Observations> seen) {
  return std::make_unique<FakeAnalyzer>(std::move(config), std::move(seen));
}

// Waits until `count` parties arrived or a deadlock guard expires. The guard is not a timing
// assertion: it only turns a scheduler that serializes analyzers into a failure instead of a hang.
class Rendezvous {
 public:
  explicit Rendezvous(int count) : count_(count) {}
  bool arrive_and_wait() {
    std::unique_lock lock(mutex_);
    ++arrived_;
    changed_.notify_all();
    return changed_.wait_for(lock, std::chrono::seconds(60), [this] { return arrived_ >= count_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int count_;
  int arrived_ = 0;
};

}  // namespace vidscope::pipeline::testing
