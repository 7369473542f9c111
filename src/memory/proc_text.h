#pragma once
// Parsers for the text of the Linux files memory readings come from. They take the file's content,
// not a path, so tests can feed recorded fixtures; probe.cpp does the reading. All parsers are pure
// and thread-safe; none throws: a field that is missing or malformed is reported absent (or 0 where
// the result type has no "absent"), never guessed.
#include <optional>
#include <string>
#include <string_view>

#include "base/units.h"
#include "memory/probe.h"

namespace vidscope::memory {

// /proc/<pid>/status: VmRSS, RssAnon, RssFile, RssShmem, VmHWM ("kB" values). `pss` stays absent.
ProcessMemory parse_proc_status(std::string_view text);

// /proc/<pid>/smaps_rollup: the "Pss:" line, or nullopt when there is none.
std::optional<Bytes> parse_smaps_rollup_pss(std::string_view text);

// /proc/meminfo: MemTotal and MemAvailable. The cgroup fields stay absent.
SystemMemory parse_meminfo(std::string_view text);

// cgroup v2 memory.max: a byte count, or nullopt for "max" (unlimited) or garbage.
std::optional<Bytes> parse_cgroup_v2_limit(std::string_view text);

// cgroup v1 memory.limit_in_bytes: a byte count, or nullopt when unlimited. v1 spells "unlimited"
// as a huge page-aligned number (PAGE_COUNTER_MAX * page size, ~2^63), so anything at or above
// kCgroupV1UnlimitedThreshold counts as no limit.
std::optional<Bytes> parse_cgroup_v1_limit(std::string_view text);
constexpr Bytes kCgroupV1UnlimitedThreshold = Bytes{1} << 60;

// memory.current (v2) / memory.usage_in_bytes (v1): a byte count, nullopt on garbage.
std::optional<Bytes> parse_cgroup_usage(std::string_view text);

// /proc/self/cgroup: where this process sits in each hierarchy.
struct CgroupPaths {
  std::optional<std::string> v2;         // from the "0::<path>" line
  std::optional<std::string> v1_memory;  // from the "<n>:...memory...:<path>" line
};
CgroupPaths parse_proc_self_cgroup(std::string_view text);

}  // namespace vidscope::memory
