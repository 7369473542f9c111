#include "memory/sampler.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "memory/heap_usage.h"
#include "memory/probe.h"

namespace vidscope::memory {

MemorySampler::MemorySampler(std::chrono::milliseconds interval)
    : interval_(interval.count() > 0 ? interval : std::chrono::milliseconds(1)),
      started_(std::chrono::steady_clock::now()) {}

MemorySampler::~MemorySampler() { stop(); }

void MemorySampler::start() {
  std::lock_guard lock(mutex_);
  if (running_ || thread_.joinable()) return;
  running_ = true;
  stop_requested_ = false;
  started_ = std::chrono::steady_clock::now();
  thread_ = std::thread([this] { run(); });
}

void MemorySampler::stop() {
  {
    std::lock_guard lock(mutex_);
    if (!running_ || stop_requested_) return;  // never started, stopped, or another stop() is joining
    stop_requested_ = true;
  }
  wake_.notify_all();
  thread_.join();
  take_sample();  // the state at the end belongs in the timeline too
  std::lock_guard lock(mutex_);
  running_ = false;
}

void MemorySampler::run() {
  take_sample();
  std::unique_lock lock(mutex_);
  while (!stop_requested_) {
    if (wake_.wait_for(lock, interval_, [this] { return stop_requested_; })) break;
    lock.unlock();
    take_sample();
    lock.lock();
  }
}

void MemorySampler::take_sample() {
  // Read /proc outside the lock: enter()/leave() from analyzer threads must not wait on file reads.
  // PSS makes the kernel walk every mapped page (seconds of CPU per minute with a 4 GB checkpoint
  // mapped), so it is read at most once per kPssInterval; the other samples carry no PSS.
  const auto now = std::chrono::steady_clock::now();
  const bool with_pss = !last_pss_read_ || now - *last_pss_read_ >= kPssInterval;
  if (with_pss) last_pss_read_ = now;
  const ProcessMemory process = with_pss ? read_process_memory() : read_process_memory_without_pss();
  const auto gpu = read_gpu_memory();
  MemorySample sample;
  sample.t_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  sample.rss = process.rss;
  sample.rss_anon = process.rss_anon;
  sample.rss_file = process.rss_file;
  sample.pss = process.pss;
  sample.heap = heap_bytes_in_use();
  if (gpu) sample.gpu_used = gpu->total >= gpu->free ? gpu->total - gpu->free : 0;

  std::lock_guard lock(mutex_);
  // Owners are tagged as of the moment the reading finished: one that left during the read is
  // still credited by its own leave() reading.
  for (auto it = active_.begin(); it != active_.end(); it = active_.upper_bound(*it)) {
    sample.active.push_back(*it);
  }
  record_peaks_locked(sample.rss, sample.rss_anon, sample.pss);
  for (auto& [owner, step] : step_heap_) step.highest = std::max(step.highest, sample.heap);
  append_to_timeline_locked(std::move(sample));
}

void MemorySampler::record_peaks_locked(Bytes rss, Bytes rss_anon, const std::optional<Bytes>& pss) {
  peak_rss_ = std::max(peak_rss_, rss);
  peak_rss_anon_ = std::max(peak_rss_anon_, rss_anon);
  if (pss) peak_pss_ = std::max(peak_pss_.value_or(0), *pss);
  for (const auto& owner : active_) {
    Bytes& peak = peak_while_[owner];
    peak = std::max(peak, rss);
    Bytes& anon = peak_anon_while_[owner];
    anon = std::max(anon, rss_anon);
  }
}

void MemorySampler::append_to_timeline_locked(MemorySample sample) {
  if (samples_seen_++ % timeline_stride_ != 0) return;
  samples_.push_back(std::move(sample));
  if (samples_.size() < kMaxTimelineSamples) return;
  // Halve the timeline, keeping the higher of each pair so spikes stay visible.
  std::vector<MemorySample> thinned;
  thinned.reserve(samples_.size() / 2 + 1);
  for (size_t i = 0; i < samples_.size(); i += 2) {
    const bool has_pair = i + 1 < samples_.size();
    thinned.push_back(std::move(has_pair && samples_[i + 1].rss > samples_[i].rss ? samples_[i + 1] : samples_[i]));
  }
  samples_ = std::move(thinned);
  timeline_stride_ *= 2;
}

void MemorySampler::enter(const std::string& owner) {
  const ProcessMemory process = read_process_memory_without_pss();
  const Bytes heap = heap_bytes_in_use();
  std::lock_guard lock(mutex_);
  active_.insert(owner);
  step_heap_[owner] = StepHeap{heap, heap};
  record_peaks_locked(process.rss, process.rss_anon, std::nullopt);
}

Bytes MemorySampler::leave(const std::string& owner) {
  const ProcessMemory process = read_process_memory_without_pss();
  const Bytes heap = heap_bytes_in_use();
  std::lock_guard lock(mutex_);
  record_peaks_locked(process.rss, process.rss_anon, std::nullopt);
  if (auto it = active_.find(owner); it != active_.end()) active_.erase(it);
  const auto step = step_heap_.find(owner);
  if (step == step_heap_.end()) return 0;
  const Bytes highest = std::max(step->second.highest, heap);
  const Bytes growth = highest > step->second.at_enter ? highest - step->second.at_enter : 0;
  step_heap_.erase(step);
  return growth;
}

std::vector<MemorySample> MemorySampler::samples() const {
  std::lock_guard lock(mutex_);
  return samples_;
}

Bytes MemorySampler::peak_rss() const {
  std::lock_guard lock(mutex_);
  return peak_rss_;
}

Bytes MemorySampler::peak_rss_anon() const {
  std::lock_guard lock(mutex_);
  return peak_rss_anon_;
}

std::optional<Bytes> MemorySampler::peak_pss() const {
  std::lock_guard lock(mutex_);
  return peak_pss_;
}

Bytes MemorySampler::peak_rss_while(const std::string& owner) const {
  std::lock_guard lock(mutex_);
  const auto it = peak_while_.find(owner);
  return it == peak_while_.end() ? 0 : it->second;
}

Bytes MemorySampler::peak_rss_anon_while(const std::string& owner) const {
  std::lock_guard lock(mutex_);
  const auto it = peak_anon_while_.find(owner);
  return it == peak_anon_while_.end() ? 0 : it->second;
}

void to_json(nlohmann::json& out, const MemorySample& sample) {
  out = {{"t_s", sample.t_s},
         {"rss", sample.rss},
         {"rss_anon", sample.rss_anon},
         {"rss_file", sample.rss_file},
         {"heap", sample.heap},
         {"active", sample.active}};
  if (sample.pss) out["pss"] = *sample.pss;
  if (sample.gpu_used) out["gpu_used"] = *sample.gpu_used;
}

}  // namespace vidscope::memory
