#pragma once
// A background thread that records process memory at a fixed interval, each sample tagged with the
// analyzers running at that moment, so the report can show where memory went.
#include <chrono>
#include <condition_variable>
#include <mutex>
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
  std::optional<Bytes> gpu_used;    // absent without a GPU
  std::vector<std::string> active;  // analyzers running when the sample was taken
};

class MemorySampler {
 public:
  explicit MemorySampler(std::chrono::milliseconds interval = std::chrono::milliseconds(100));
  ~MemorySampler();  // stops the thread
  MemorySampler(const MemorySampler&) = delete;
  MemorySampler& operator=(const MemorySampler&) = delete;

  void start();
  void stop();  // takes one last sample; idempotent

  // Thread-safe: mark an owner (analyzer name) as running or finished.
  void enter(const std::string& owner);
  void leave(const std::string& owner);

  std::vector<MemorySample> samples() const;
  Bytes peak_rss() const;
  // Peak RSS seen while `owner` was active (0 when never sampled while active).
  Bytes peak_rss_while(const std::string& owner) const;

 private:
  void take_sample();
  void run();

  std::chrono::milliseconds interval_;
  std::chrono::steady_clock::time_point started_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool running_ = false;
  bool stop_requested_ = false;
  std::multiset<std::string> active_;
  std::vector<MemorySample> samples_;
  std::thread thread_;
};

void to_json(nlohmann::json& out, const MemorySample& sample);

}  // namespace vidscope::memory
