#include "memory/release_check.h"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace vidscope::memory {

MemorySnapshot take_snapshot(const MemoryLedger* ledger, const std::string& owner) {
  MemorySnapshot s;
  s.process = read_process_memory();
  if (ledger != nullptr) {
    for (const auto& [name, bytes] : ledger->totals_by_owner()) {
      if (name.starts_with(owner)) s.owner_ledger_bytes += bytes;
    }
  }
  if (const auto gpu = read_gpu_memory()) s.gpu_used = gpu->total - std::min(gpu->total, gpu->free);
  return s;
}

bool trim_allocator_caches() {
#if defined(__GLIBC__)
  malloc_trim(0);
  return true;
#else
  return false;
#endif
}

ReleaseCheck compare_release(std::string owner, const MemorySnapshot& before, const MemorySnapshot& after,
                             bool trimmed) {
  ReleaseCheck c;
  c.owner = std::move(owner);
  c.before_unload = before;
  c.after_unload = after;
  c.trimmed = trimmed;
  c.ledger_freed = before.owner_ledger_bytes - std::min(before.owner_ledger_bytes, after.owner_ledger_bytes);
  c.anon_returned = static_cast<std::int64_t>(before.process.rss_anon) - static_cast<std::int64_t>(after.process.rss_anon);
  c.file_returned = static_cast<std::int64_t>(before.process.rss_file) - static_cast<std::int64_t>(after.process.rss_file);
  c.gap = static_cast<std::int64_t>(c.ledger_freed) - c.anon_returned;
  c.threshold = std::max<Bytes>(16 * kMiB, c.ledger_freed / 50);
  c.leak = c.gap > static_cast<std::int64_t>(c.threshold);
  const auto signed_bytes = [](std::int64_t v) {
    std::string text = format_bytes(static_cast<Bytes>(v < 0 ? -v : v));
    if (v < 0) text.insert(text.begin(), '-');
    return text;
  };
  if (c.leak) {
    c.verdict = fmt::format("leak suspected in '{}': the ledger freed {} but anonymous RSS fell by only {} (gap {} > {})",
                            c.owner, format_bytes(c.ledger_freed), signed_bytes(c.anon_returned), signed_bytes(c.gap),
                            format_bytes(c.threshold));
  } else {
    c.verdict = fmt::format("'{}' released: the ledger freed {}; anonymous RSS returned {}, file-backed RSS {}{}",
                            c.owner, format_bytes(c.ledger_freed), signed_bytes(c.anon_returned),
                            signed_bytes(c.file_returned), trimmed ? " (allocator caches trimmed)" : "");
  }
  return c;
}

void to_json(nlohmann::json& out, const MemorySnapshot& s) {
  out = {{"process", s.process}, {"owner_ledger_bytes", s.owner_ledger_bytes}};
  if (s.gpu_used) out["gpu_used_bytes"] = *s.gpu_used;
}

void to_json(nlohmann::json& out, const ReleaseCheck& c) {
  out = {{"owner", c.owner},
         {"before_unload", c.before_unload},
         {"after_unload", c.after_unload},
         {"allocator_trimmed", c.trimmed},
         {"ledger_freed_bytes", c.ledger_freed},
         {"rss_anon_returned_bytes", c.anon_returned},
         {"rss_file_returned_bytes", c.file_returned},
         {"gap_bytes", c.gap},
         {"threshold_bytes", c.threshold},
         {"leak", c.leak},
         {"verdict", c.verdict}};
}

}  // namespace vidscope::memory
