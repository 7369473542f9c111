#pragma once
// The record of who holds what: every large allocation (weights, KV cache, activations, frame
// buffers) is entered here by its owner with the device and purpose, so vidscope can always answer
// "who holds these 6.2 GiB?". The ledger counts what owners declare; measuring (probe.h, sampler.h)
// is separate, and comparing the two is how leaks are found.
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/units.h"

namespace vidscope::memory {

enum class Purpose { kWeights, kKvCache, kActivations, kFrames, kScratch };

std::string_view purpose_name(Purpose purpose);  // "weights", "kv_cache", "activations", "frames", "scratch"

struct LedgerRecord {
  std::string owner;   // analyzer, model or component name, e.g. "shot_cuts", "decoder"
  std::string device;  // "cpu", "gpu0", ...
  Purpose purpose = Purpose::kScratch;
  Bytes bytes = 0;
};

class MemoryLedger;

// One holding in the ledger; releases it when destroyed (or on release()). Movable, not copyable.
// The ledger must outlive every entry taken from it. An entry is used by one thread at a time;
// different entries may be used from different threads.
class LedgerEntry {
 public:
  LedgerEntry() = default;  // holds nothing
  ~LedgerEntry() { release(); }
  LedgerEntry(LedgerEntry&& other) noexcept;
  LedgerEntry& operator=(LedgerEntry&& other) noexcept;
  LedgerEntry(const LedgerEntry&) = delete;
  LedgerEntry& operator=(const LedgerEntry&) = delete;

  // For holdings that grow or shrink in place (a KV cache): the entry now holds `bytes`.
  void resize(Bytes bytes);
  void release();  // idempotent
  bool holds() const { return ledger_ != nullptr; }

 private:
  friend class MemoryLedger;
  LedgerEntry(MemoryLedger* ledger, std::uint64_t id) : ledger_(ledger), id_(id) {}

  MemoryLedger* ledger_ = nullptr;
  std::uint64_t id_ = 0;
};

// Thread-safe: all members may be called from any thread.
class MemoryLedger {
 public:
  MemoryLedger() = default;
  MemoryLedger(const MemoryLedger&) = delete;
  MemoryLedger& operator=(const MemoryLedger&) = delete;

  [[nodiscard]] LedgerEntry add(std::string owner, std::string device, Purpose purpose, Bytes bytes);

  Bytes total() const;
  Bytes total_for_owner(std::string_view owner) const;
  Bytes total_for_device(std::string_view device) const;
  Bytes total_for_purpose(Purpose purpose) const;
  std::map<std::string, Bytes> totals_by_owner() const;
  std::map<std::string, Bytes> totals_by_device() const;
  std::map<std::string, Bytes> totals_by_purpose() const;  // keyed by purpose_name()
  // The largest total held at any moment, overall and per device, since the ledger was created.
  Bytes peak_total() const;
  std::map<std::string, Bytes> peaks_by_device() const;
  std::map<std::string, Bytes> peaks_by_purpose() const;  // keyed by purpose_name()
  // owner -> purpose -> the most that owner held for that purpose at any moment.
  std::map<std::string, std::map<std::string, Bytes>> peaks_by_owner_and_purpose() const;
  std::vector<LedgerRecord> records() const;  // current holdings, oldest first

 private:
  friend class LedgerEntry;
  void resize(std::uint64_t id, Bytes bytes);
  void release(std::uint64_t id);
  void update_peaks_locked();

  mutable std::mutex mutex_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, LedgerRecord> records_;
  Bytes peak_total_ = 0;
  std::map<std::string, Bytes> peaks_by_device_;
  std::map<std::string, Bytes> peaks_by_purpose_;
  std::map<std::string, std::map<std::string, Bytes>> peaks_by_owner_purpose_;
};

// {"total_bytes", "peak_total_bytes", "by_owner", "by_device", "by_purpose", "peak_by_device",
//  "peak_by_purpose", "peak_by_owner" (owner -> purpose -> bytes), "entries"}
void to_json(nlohmann::json& out, const MemoryLedger& ledger);

}  // namespace vidscope::memory
