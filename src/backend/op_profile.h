#pragma once
// Where a model's time goes, op by op: a Backend that forwards everything to another backend and,
// while its OpProfile is enabled, times each op under a label (the op, and for matmuls the weight
// type and the row count: "matmul q4 x8"). On a device that queues work, the host's time to issue
// an op says little about the device's: with `synchronize_each` the profile waits for the device
// after every op, so each label gets its device time (plus one launch latency), at the price of
// serializing the step. Without it, the times are the host's enqueue times, which show how much of a
// step the host needs to issue it.
//
// Disabled (the default), the wrapper only forwards: one extra virtual call per op.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backend/backend.h"

namespace vidscope::backend {

class OpProfile {
 public:
  struct Entry {
    std::string label;
    std::int64_t calls = 0;
    double ms = 0;  // summed over the calls
  };

  bool enabled = false;
  bool synchronize_each = false;  // wait for the device after each op (device time per label)

  void add(const std::string& label, double ms);
  void reset() { entries_.clear(); }
  // Every label, the largest time first.
  std::vector<Entry> entries() const;
  double total_ms() const;
  // A table: label, calls, total ms, ms per call, share of the total; `per` divides the totals
  // (e.g. the number of decode steps, to print times per step).
  std::string table(double per = 1.0) const;

 private:
  std::map<std::string, Entry> entries_;
};

// Wraps `inner`: every call goes to it; ops are timed into `profile` while it is enabled. The
// profile must outlive the wrapper. Buffers come from the inner backend, so data may be shared
// with code that holds the inner backend itself.
std::unique_ptr<Backend> make_profiling_backend(std::unique_ptr<Backend> inner, OpProfile& profile);

}  // namespace vidscope::backend
