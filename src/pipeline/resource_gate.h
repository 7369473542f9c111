#pragma once
// Admission of analyzer steps against the resolved budget: a step reserves its declared needs
// (RAM, GPU bytes, threads) before it runs and returns them when it ends. Steps are admitted in
// arrival order, so a large step is not starved by a stream of small ones.
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "analyzers/analyzer.h"
#include "memory/budget.h"

namespace vidscope::pipeline {

class ResourceGate;

// Held while a step runs; returns its reservation when destroyed. Movable, not copyable.
class Reservation {
 public:
  Reservation() = default;
  ~Reservation() { release(); }
  Reservation(Reservation&& other) noexcept;
  Reservation& operator=(Reservation&& other) noexcept;
  Reservation(const Reservation&) = delete;
  Reservation& operator=(const Reservation&) = delete;
  void release();

 private:
  friend class ResourceGate;
  Reservation(ResourceGate* gate, analyzers::ResourceNeeds needs) : gate_(gate), needs_(needs) {}
  ResourceGate* gate_ = nullptr;
  analyzers::ResourceNeeds needs_;
};

// Thread-safe. Must outlive every Reservation taken from it.
class ResourceGate {
 public:
  explicit ResourceGate(memory::Budget budget);

  // Why `needs` can never be admitted under this budget, or nullopt when it can (alone). Threads are
  // not a reason: a step asking for more threads than the budget holds is admitted with all of them
  // (see admitted_needs()), because threads can be shared where bytes cannot.
  std::optional<std::string> why_never_fits(const analyzers::ResourceNeeds& needs) const;
  // `needs` with threads clamped to [1, budget threads].
  analyzers::ResourceNeeds admitted_needs(const analyzers::ResourceNeeds& needs) const;

  // Blocks until the step fits beside the ones already admitted, then reserves it. `needs` must pass
  // why_never_fits() (otherwise this would wait forever; it throws Error(kBudget) instead).
  Reservation acquire(const analyzers::ResourceNeeds& needs);

  // Under memory pressure the governor admits one step at a time: a new step waits until no other step
  // holds resources. (Stopping altogether could wait for ever when another process keeps the memory;
  // one step at a time always makes progress with the least memory in use.)
  void set_one_at_a_time(bool on);

  const memory::Budget& budget() const { return budget_; }
  // The most RAM bytes held by admitted steps at once, for reports and tests.
  Bytes peak_reserved_ram() const;

 private:
  friend class Reservation;
  void give_back(const analyzers::ResourceNeeds& needs);
  bool fits_locked(const analyzers::ResourceNeeds& needs) const;

  const memory::Budget budget_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  Bytes ram_in_use_ = 0;
  Bytes gpu_in_use_ = 0;
  unsigned threads_in_use_ = 0;
  Bytes peak_reserved_ram_ = 0;
  bool one_at_a_time_ = false;
  std::uint64_t next_ticket_ = 0;    // handed to each acquire() on arrival
  std::uint64_t serving_ticket_ = 0; // the only arrival allowed to take resources now
};

}  // namespace vidscope::pipeline
