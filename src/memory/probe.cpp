#include "memory/probe.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "memory/fault_injection.h"
#include "memory/proc_text.h"

namespace vidscope::memory {

namespace {

std::atomic<GpuMemoryReader> g_gpu_reader{nullptr};

// The whole file as text, or nullopt when it cannot be opened (no such kernel feature, no cgroup).
std::optional<std::string> read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return std::move(buffer).str();
}

// The tightest limit on the way from `group` up to `root`: a parent's limit binds its children too.
template <typename ParseLimit>
std::optional<Bytes> tightest_limit(const std::filesystem::path& root, const std::string& group,
                                    const char* file, ParseLimit parse_limit) {
  std::optional<Bytes> limit;
  std::filesystem::path relative = std::filesystem::path(group).relative_path();
  for (;;) {
    if (auto text = read_text(root / relative / file)) {
      if (auto value = parse_limit(*text)) limit = limit ? std::min(*limit, *value) : *value;
    }
    if (relative.empty()) break;
    relative = relative.parent_path();
  }
  return limit;
}

void read_cgroup(SystemMemory& m) {
  const auto self = read_text("/proc/self/cgroup");
  const CgroupPaths paths = self ? parse_proc_self_cgroup(*self) : CgroupPaths{};
  const std::filesystem::path v2_root = "/sys/fs/cgroup";
  if (std::filesystem::exists(v2_root / "cgroup.controllers")) {
    const std::string group = paths.v2.value_or("/");
    m.cgroup_limit = tightest_limit(v2_root, group, "memory.max", parse_cgroup_v2_limit);
    if (auto text = read_text(v2_root / std::filesystem::path(group).relative_path() / "memory.current")) {
      m.cgroup_usage = parse_cgroup_usage(*text);
    }
    return;
  }
  const std::filesystem::path v1_root = "/sys/fs/cgroup/memory";
  const std::string group = paths.v1_memory.value_or("/");
  m.cgroup_limit = tightest_limit(v1_root, group, "memory.limit_in_bytes", parse_cgroup_v1_limit);
  auto usage = read_text(v1_root / std::filesystem::path(group).relative_path() / "memory.usage_in_bytes");
  if (!usage) usage = read_text(v1_root / "memory.usage_in_bytes");
  if (usage) m.cgroup_usage = parse_cgroup_usage(*usage);
}

}  // namespace

ProcessMemory read_process_memory_without_pss() {
  ProcessMemory m;
  if (auto status = read_text("/proc/self/status")) m = parse_proc_status(*status);
  return m;
}

ProcessMemory read_process_memory() {
  ProcessMemory m = read_process_memory_without_pss();
  if (auto rollup = read_text("/proc/self/smaps_rollup")) m.pss = parse_smaps_rollup_pss(*rollup);
  return m;
}

SystemMemory read_system_memory() {
  SystemMemory m;
  if (auto meminfo = read_text("/proc/meminfo")) m = parse_meminfo(*meminfo);
  try {
    read_cgroup(m);
  } catch (const std::exception&) {
    // A cgroup tree we cannot walk (permissions, a racing cgroup move) means "no known limit".
  }
  if (const auto cap = injected_available_ram()) m.available = std::min(m.available, *cap);
  return m;
}

Bytes SystemMemory::usable_total() const { return cgroup_limit ? std::min(total, *cgroup_limit) : total; }

Bytes SystemMemory::usable_available() const {
  if (!cgroup_limit) return available;
  const Bytes used = cgroup_usage.value_or(0);
  return std::min(available, *cgroup_limit > used ? *cgroup_limit - used : 0);
}

std::optional<GpuMemory> read_gpu_memory() {
  const GpuMemoryReader reader = g_gpu_reader.load();
  return reader ? reader() : std::nullopt;
}

void set_gpu_memory_reader(GpuMemoryReader reader) { g_gpu_reader.store(reader); }

Bytes ram_capacity() {
  const SystemMemory system = read_system_memory();
  Bytes capacity = system.available + read_process_memory().rss;
  if (system.total > 0) capacity = std::min(capacity, system.total);
  if (system.cgroup_limit) capacity = std::min(capacity, *system.cgroup_limit);
  return capacity;
}

void to_json(nlohmann::json& out, const ProcessMemory& m) {
  out = {{"rss_bytes", m.rss},           {"rss_anon_bytes", m.rss_anon},
         {"rss_file_bytes", m.rss_file}, {"rss_shmem_bytes", m.rss_shmem},
         {"peak_rss_bytes", m.peak_rss}};
  if (m.pss) out["pss_bytes"] = *m.pss;
}

void to_json(nlohmann::json& out, const SystemMemory& m) {
  out = {{"total_bytes", m.total}, {"available_bytes", m.available}};
  if (m.cgroup_limit) out["cgroup_limit_bytes"] = *m.cgroup_limit;
  if (m.cgroup_usage) out["cgroup_usage_bytes"] = *m.cgroup_usage;
}

void to_json(nlohmann::json& out, const GpuMemory& m) {
  out = {{"device", m.device}, {"name", m.name}, {"total_bytes", m.total}, {"free_bytes", m.free}};
}

}  // namespace vidscope::memory
