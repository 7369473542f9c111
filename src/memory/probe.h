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

  // RAM this process can ever have: MemTotal capped by the cgroup limit.
  Bytes usable_total() const;
  // RAM it could still get now: MemAvailable capped by the room left under the cgroup limit.
  Bytes usable_available() const;
};

struct GpuMemory {
  int device = 0;
  std::string name;
  Bytes total = 0;
  Bytes free = 0;
};

// Never throw: a file that cannot be read leaves its fields 0 (or absent where optional), because
// the sampler calls these from its own thread and an unreadable /proc must not end the analysis.
ProcessMemory read_process_memory();
// The same without PSS (which makes the kernel walk every mapping): for frequent readings.
ProcessMemory read_process_memory_without_pss();
SystemMemory read_system_memory();
// nullopt when no CUDA device is present (or vidscope was built without CUDA).
std::optional<GpuMemory> read_gpu_memory();

// The seam a GPU backend plugs into: read_gpu_memory() calls the installed reader, or returns nullopt
// when none is installed (the CPU-only build). A CUDA backend installs its reader once at start-up;
// nullptr uninstalls. Thread-safe; the reader itself must be thread-safe and must not throw.
using GpuMemoryReader = std::optional<GpuMemory> (*)();
void set_gpu_memory_reader(GpuMemoryReader reader);

// The RAM this process may use: min(MemAvailable + own RSS, cgroup limit), i.e. what a budget
// of "100%" means.
Bytes ram_capacity();

void to_json(nlohmann::json& out, const ProcessMemory& m);
void to_json(nlohmann::json& out, const SystemMemory& m);
void to_json(nlohmann::json& out, const GpuMemory& m);

}  // namespace vidscope::memory
