#include <gtest/gtest.h>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "memory/probe.h"

namespace vidscope::memory {
namespace {

TEST(ReadProcessMemory, LiveReadingIsConsistent) {
  const ProcessMemory m = read_process_memory();
  EXPECT_GT(m.rss, 0u);
  EXPECT_GE(m.peak_rss, m.rss);
  // RSS is the sum of its three parts, but the kernel keeps per-CPU counter caches that it folds in
  // lazily, so the two reads may differ by up to 64 pages per CPU-ish batch; allow 1024 pages.
  const Bytes parts = m.rss_anon + m.rss_file + m.rss_shmem;
  const Bytes page = static_cast<Bytes>(sysconf(_SC_PAGESIZE));
  const Bytes diff = parts > m.rss ? parts - m.rss : m.rss - parts;
  EXPECT_LE(diff, 1024 * page) << "rss=" << m.rss << " parts=" << parts;
  if (m.pss) {
    EXPECT_LE(*m.pss, m.rss + 1024 * page);  // PSS splits shared pages, so it is at most RSS
  }
}

TEST(ReadProcessMemory, WithoutPssLeavesPssAbsent) {
  const ProcessMemory m = read_process_memory_without_pss();
  EXPECT_GT(m.rss, 0u);
  EXPECT_GT(m.rss_anon, 0u);
  EXPECT_FALSE(m.pss);
}

TEST(ReadSystemMemory, LiveReadingIsConsistent) {
  const SystemMemory m = read_system_memory();
  EXPECT_GT(m.total, 0u);
  EXPECT_GT(m.available, 0u);
  EXPECT_LE(m.available, m.total);
  if (m.cgroup_limit) {
    EXPECT_GT(*m.cgroup_limit, 0u);
  }
}

TEST(RamCapacity, IsPositiveAndWithinTotal) {
  const Bytes capacity = ram_capacity();
  EXPECT_GT(capacity, 0u);
  EXPECT_LE(capacity, read_system_memory().total);
}

std::optional<GpuMemory> fake_gpu() { return GpuMemory{0, "Fake GPU", 8 * kGiB, 6 * kGiB}; }

TEST(ReadGpuMemory, AbsentWithoutReaderAndUsesInstalledReader) {
  EXPECT_FALSE(read_gpu_memory());  // the CPU build installs none
  set_gpu_memory_reader(&fake_gpu);
  const auto gpu = read_gpu_memory();
  set_gpu_memory_reader(nullptr);
  ASSERT_TRUE(gpu);
  EXPECT_EQ(gpu->name, "Fake GPU");
  EXPECT_EQ(gpu->free, 6 * kGiB);
  EXPECT_FALSE(read_gpu_memory());
}

TEST(MemoryJson, UsesByteKeys) {
  nlohmann::json process = read_process_memory();
  EXPECT_TRUE(process.contains("rss_bytes"));
  EXPECT_TRUE(process.contains("rss_anon_bytes"));
  nlohmann::json system = read_system_memory();
  EXPECT_TRUE(system.contains("total_bytes"));
  EXPECT_TRUE(system.contains("available_bytes"));
  nlohmann::json gpu = *fake_gpu();
  EXPECT_EQ(gpu["total_bytes"], 8 * kGiB);
}

}  // namespace
}  // namespace vidscope::memory
