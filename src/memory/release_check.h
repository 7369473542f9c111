#pragma once
// Verified release: after a model is unloaded, did the memory really come back? The ledger says how
// many bytes the owner freed; the process readings (RSS anonymous and file-backed, PSS) say what the
// kernel took back. Allocator caches are trimmed on purpose first (glibc keeps freed heap pages for
// reuse, which looks like a leak from outside), and the trim is reported. A gap between what the ledger
// freed and what anonymous RSS gave back, above a threshold, is reported as a leak with the owner's name.
//
// Thread-safety: plain values and free functions; readings race with other threads' allocations, which
// is why the threshold is not zero.
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "base/units.h"
#include "memory/ledger.h"
#include "memory/probe.h"

namespace vidscope::memory {

struct MemorySnapshot {
  ProcessMemory process;          // with PSS
  Bytes owner_ledger_bytes = 0;   // what the owner (every ledger owner starting with its name) held
  std::optional<Bytes> gpu_used;  // absent without a GPU
};

// `owner` names a model and matches every ledger owner that starts with it ("vlm" covers "vlm weights",
// "vlm kv cache", ...).
MemorySnapshot take_snapshot(const MemoryLedger* ledger, const std::string& owner);

// Returns freed heap pages to the kernel (glibc malloc_trim); false where the allocator has no such call.
bool trim_allocator_caches();

struct ReleaseCheck {
  std::string owner;
  MemorySnapshot before_unload;
  MemorySnapshot after_unload;     // after trimming
  bool trimmed = false;
  Bytes ledger_freed = 0;          // owner's ledger bytes before - after
  std::int64_t anon_returned = 0;  // RSS anon before - after (negative: grew)
  std::int64_t file_returned = 0;  // RSS file before - after (unmapped weights)
  std::int64_t gap = 0;            // ledger_freed - anon_returned (positive: freed on paper, not in fact)
  Bytes threshold = 0;
  bool leak = false;
  std::string verdict;             // one sentence
};

// The threshold: max(16 MiB, 2 % of what the ledger freed) — heap fragmentation and other threads'
// allocations in between move RSS by a few MiB.
ReleaseCheck compare_release(std::string owner, const MemorySnapshot& before, const MemorySnapshot& after,
                             bool trimmed);

void to_json(nlohmann::json& out, const MemorySnapshot& snapshot);
void to_json(nlohmann::json& out, const ReleaseCheck& check);

}  // namespace vidscope::memory
