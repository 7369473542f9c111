#include "memory/ledger.h"

#include <algorithm>
#include <utility>

#include <nlohmann/json.hpp>

namespace vidscope::memory {

std::string_view purpose_name(Purpose purpose) {
  switch (purpose) {
    case Purpose::kWeights: return "weights";
    case Purpose::kKvCache: return "kv_cache";
    case Purpose::kActivations: return "activations";
    case Purpose::kFrames: return "frames";
    case Purpose::kScratch: return "scratch";
  }
  return "scratch";
}

LedgerEntry::LedgerEntry(LedgerEntry&& other) noexcept
    : ledger_(std::exchange(other.ledger_, nullptr)), id_(std::exchange(other.id_, 0)) {}

LedgerEntry& LedgerEntry::operator=(LedgerEntry&& other) noexcept {
  if (this != &other) {
    release();
    ledger_ = std::exchange(other.ledger_, nullptr);
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

void LedgerEntry::resize(Bytes bytes) {
  if (ledger_) ledger_->resize(id_, bytes);
}

void LedgerEntry::release() {
  if (ledger_) std::exchange(ledger_, nullptr)->release(id_);
}

LedgerEntry MemoryLedger::add(std::string owner, std::string device, Purpose purpose, Bytes bytes) {
  std::lock_guard lock(mutex_);
  const std::uint64_t id = next_id_++;
  records_.emplace(id, LedgerRecord{std::move(owner), std::move(device), purpose, bytes});
  update_peaks_locked();
  return LedgerEntry(this, id);
}

void MemoryLedger::resize(std::uint64_t id, Bytes bytes) {
  std::lock_guard lock(mutex_);
  if (auto it = records_.find(id); it != records_.end()) it->second.bytes = bytes;
  update_peaks_locked();
}

void MemoryLedger::release(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  records_.erase(id);
}

void MemoryLedger::update_peaks_locked() {
  Bytes total = 0;
  std::map<std::string, Bytes> by_device;
  std::map<std::string, Bytes> by_purpose;
  std::map<std::pair<std::string, std::string>, Bytes> by_owner_purpose;
  for (const auto& [id, record] : records_) {
    total += record.bytes;
    by_device[record.device] += record.bytes;
    by_purpose[std::string(purpose_name(record.purpose))] += record.bytes;
    by_owner_purpose[{record.owner, std::string(purpose_name(record.purpose))}] += record.bytes;
  }
  peak_total_ = std::max(peak_total_, total);
  for (const auto& [device, bytes] : by_device) {
    Bytes& peak = peaks_by_device_[device];
    peak = std::max(peak, bytes);
  }
  for (const auto& [purpose, bytes] : by_purpose) {
    Bytes& peak = peaks_by_purpose_[purpose];
    peak = std::max(peak, bytes);
  }
  for (const auto& [key, bytes] : by_owner_purpose) {
    Bytes& peak = peaks_by_owner_purpose_[key.first][key.second];
    peak = std::max(peak, bytes);
  }
}

Bytes MemoryLedger::total() const {
  std::lock_guard lock(mutex_);
  Bytes total = 0;
  for (const auto& [id, record] : records_) total += record.bytes;
  return total;
}

Bytes MemoryLedger::total_for_owner(std::string_view owner) const {
  std::lock_guard lock(mutex_);
  Bytes total = 0;
  for (const auto& [id, record] : records_) {
    if (record.owner == owner) total += record.bytes;
  }
  return total;
}

Bytes MemoryLedger::total_for_device(std::string_view device) const {
  std::lock_guard lock(mutex_);
  Bytes total = 0;
  for (const auto& [id, record] : records_) {
    if (record.device == device) total += record.bytes;
  }
  return total;
}

Bytes MemoryLedger::total_for_purpose(Purpose purpose) const {
  std::lock_guard lock(mutex_);
  Bytes total = 0;
  for (const auto& [id, record] : records_) {
    if (record.purpose == purpose) total += record.bytes;
  }
  return total;
}

std::map<std::string, Bytes> MemoryLedger::totals_by_owner() const {
  std::lock_guard lock(mutex_);
  std::map<std::string, Bytes> totals;
  for (const auto& [id, record] : records_) totals[record.owner] += record.bytes;
  return totals;
}

std::map<std::string, Bytes> MemoryLedger::totals_by_device() const {
  std::lock_guard lock(mutex_);
  std::map<std::string, Bytes> totals;
  for (const auto& [id, record] : records_) totals[record.device] += record.bytes;
  return totals;
}

std::map<std::string, Bytes> MemoryLedger::totals_by_purpose() const {
  std::lock_guard lock(mutex_);
  std::map<std::string, Bytes> totals;
  for (const auto& [id, record] : records_) totals[std::string(purpose_name(record.purpose))] += record.bytes;
  return totals;
}

Bytes MemoryLedger::peak_total() const {
  std::lock_guard lock(mutex_);
  return peak_total_;
}

std::map<std::string, Bytes> MemoryLedger::peaks_by_device() const {
  std::lock_guard lock(mutex_);
  return peaks_by_device_;
}

std::map<std::string, Bytes> MemoryLedger::peaks_by_purpose() const {
  std::lock_guard lock(mutex_);
  return peaks_by_purpose_;
}

std::map<std::string, std::map<std::string, Bytes>> MemoryLedger::peaks_by_owner_and_purpose() const {
  std::lock_guard lock(mutex_);
  return peaks_by_owner_purpose_;
}

std::vector<LedgerRecord> MemoryLedger::records() const {
  std::lock_guard lock(mutex_);
  std::vector<LedgerRecord> out;
  out.reserve(records_.size());
  for (const auto& [id, record] : records_) out.push_back(record);
  return out;
}

void to_json(nlohmann::json& out, const MemoryLedger& ledger) {
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& record : ledger.records()) {
    entries.push_back({{"owner", record.owner},
                       {"device", record.device},
                       {"purpose", purpose_name(record.purpose)},
                       {"bytes", record.bytes}});
  }
  out = {{"total_bytes", ledger.total()},
         {"peak_total_bytes", ledger.peak_total()},
         {"by_owner", ledger.totals_by_owner()},
         {"by_device", ledger.totals_by_device()},
         {"by_purpose", ledger.totals_by_purpose()},
         {"peak_by_device", ledger.peaks_by_device()},
         {"peak_by_purpose", ledger.peaks_by_purpose()},
         {"peak_by_owner", ledger.peaks_by_owner_and_purpose()},
         {"entries", std::move(entries)}};
}

}  // namespace vidscope::memory
