#pragma once
// A background thread that records process memory at a fixed interval, each sample tagged with the
// analyzers running at that moment, so the report can show where memory went.
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/units.h"

namespace vidscope::memory {

struct MemorySample {
  double t_s = 0;                   // since the sampler started
  Bytes rss = 0;
  Bytes rss_anon = 0;
  Bytes rss_file = 0;
  Bytes heap = 0;                   // allocator bytes in use (memory/heap_usage.h)
  std::optional<Bytes> pss;         // absent where the kernel lacks smaps_rollup
  std::optional<Bytes> gpu_used;    // absent without a GPU
  std::vector<std::string> active;  // analyzers running when the sample was taken
};

// Thread-safety: every public member may be called from any thread.
// Peaks are exact over every reading taken; the timeline kept for samples() is thinned once it holds
// kMaxTimelineSamples (every other sample dropped, keeping the higher RSS of each pair) so a long
// video does not make it grow without bound.
class MemorySampler {
 public:
  static constexpr size_t kMaxTimelineSamples = 4096;

  explicit MemorySampler(std::chrono::milliseconds interval = std::chrono::milliseconds(100));
  ~MemorySampler();  // stops the thread
  MemorySampler(const MemorySampler&) = delete;
  MemorySampler& operator=(const MemorySampler&) = delete;

  void start();  // a second call while running does nothing
  void stop();   // takes one last sample; idempotent

  // Mark an owner (analyzer name) as running or finished. Both take a quick RSS reading that counts
  // toward the owner's peak, so a step shorter than the interval still has a peak.
  // leave() returns the step's heap growth: the most heap in use seen from enter() to leave() (at both
  // ends and at every sample between) minus the heap in use at enter(), 0 if it never rose. Heap that
  // steps of other owners allocate meanwhile counts too, so with steps running side by side this is an
  // upper bound of the owner's own use; one step at a time makes it exact. An owner entered twice
  // without leaving measures from its latest enter().
  void enter(const std::string& owner);
  Bytes leave(const std::string& owner);

  std::vector<MemorySample> samples() const;
  Bytes peak_rss() const;
  Bytes peak_rss_anon() const;
  std::optional<Bytes> peak_pss() const;  // absent when PSS could never be read
  // Peak RSS (all, and anonymous only) seen while `owner` was active (0 when never sampled while active).
  Bytes peak_rss_while(const std::string& owner) const;
  Bytes peak_rss_anon_while(const std::string& owner) const;

 private:
  void take_sample();
  void record_peaks_locked(Bytes rss, Bytes rss_anon, const std::optional<Bytes>& pss);
  void append_to_timeline_locked(MemorySample sample);
  void run();

  static constexpr std::chrono::seconds kPssInterval{1};
  std::chrono::milliseconds interval_;
  // Touched only by the sampling thread (and by stop() after it has joined).
  std::optional<std::chrono::steady_clock::time_point> last_pss_read_;
  std::chrono::steady_clock::time_point started_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool running_ = false;
  bool stop_requested_ = false;
  std::multiset<std::string> active_;
  std::vector<MemorySample> samples_;
  size_t timeline_stride_ = 1;   // keep every n-th periodic sample (grows as the timeline is thinned)
  size_t samples_seen_ = 0;
  Bytes peak_rss_ = 0;
  Bytes peak_rss_anon_ = 0;
  std::optional<Bytes> peak_pss_;
  std::map<std::string, Bytes> peak_while_;
  std::map<std::string, Bytes> peak_anon_while_;
  struct StepHeap {
    Bytes at_enter = 0;
    Bytes highest = 0;
  };
  std::map<std::string, StepHeap> step_heap_;  // owners between enter() and leave()
  std::thread thread_;
};

void to_json(nlohmann::json& out, const MemorySample& sample);

}  // namespace vidscope::memory
