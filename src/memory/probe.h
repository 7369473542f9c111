#pragma once
// Point-in-time readings of memory: the process (from /proc/self), the system (/proc/meminfo), the
// cgroup limit (cgroup v2, then v1), and the GPU when a CUDA device is present. Readings are honest:
// a value that cannot be read is absent, never guessed.
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "base/units.h"

namespace vidscope::memory {

struct ProcessMemory {
  Bytes rss = 0;        // VmRSS
  Bytes rss_anon = 0;   // RssAnon: heap, stacks, anonymous mmaps
  Bytes rss_file = 0;   // RssFile: file-backed pages (mapped weights, libraries)
  Bytes rss_shmem = 0;  // RssShmem
  std::optional<Bytes> pss;  // smaps_rollup Pss; absent where the kernel lacks it
  Bytes peak_rss = 0;   // VmHWM
};

struct SystemMemory {
  Bytes total = 0;              // MemTotal
  Bytes available = 0;          // MemAvailable
  std::optional<Bytes> cgroup_limit;  // absent when unlimited or no cgroup
  std::optional<Bytes> cgroup_usage;
};

struct GpuMemory {
  int device = 0;
  std::string name;
  Bytes total = 0;
  Bytes free = 0;
};

ProcessMemory read_process_memory();
SystemMemory read_system_memory();
// nullopt when no CUDA device is present (or vidscope was built without CUDA).
std::optional<GpuMemory> read_gpu_memory();

// The RAM this process may use: min(MemAvailable + own RSS, cgroup limit), i.e. what a budget
// of "100%" means.
Bytes ram_capacity();

void to_json(nlohmann::json& out, const ProcessMemory& m);
void to_json(nlohmann::json& out, const SystemMemory& m);

}  // namespace vidscope::memory
