#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

#include "memory/heap_usage.h"
#include "memory/probe.h"
#include "memory/sampler.h"

namespace vidscope::memory {
namespace {

bool has_tag(const MemorySample& sample, const std::string& owner) {
  return std::find(sample.active.begin(), sample.active.end(), owner) != sample.active.end();
}

TEST(MemorySampler, PeakWhileOwnerActiveSeesItsAllocation) {
  MemorySampler sampler(std::chrono::milliseconds(5));
  sampler.start();
  const Bytes baseline = read_process_memory().rss;
  constexpr Bytes kAllocation = 200 * kMiB;
  sampler.enter("allocator");
  {
    auto buffer = std::make_unique<char[]>(kAllocation);
    std::memset(buffer.get(), 0x5a, kAllocation);  // touch every page so it becomes resident
    volatile char sink = buffer[kAllocation - 1];
    (void)sink;
    sampler.leave("allocator");  // leave() reads RSS while the buffer is still held
  }
  sampler.stop();
  // 150 of the 200 MiB: leaves room for the allocator returning unrelated freed pages meanwhile.
  EXPECT_GE(sampler.peak_rss_while("allocator"), baseline + 150 * kMiB);
  EXPECT_GE(sampler.peak_rss(), sampler.peak_rss_while("allocator"));
  EXPECT_GE(sampler.peak_rss_anon(), 150 * kMiB);
  EXPECT_EQ(sampler.peak_rss_while("never-active"), 0u);
}

// Keeps the optimizer from dropping an allocation whose contents are never read.
void escape(void* p) { asm volatile("" : : "g"(p) : "memory"); }

TEST(HeapUsage, FollowsAllocationAndFreeAtOnce) {
  constexpr Bytes kAllocation = 48 * kMiB;
  const Bytes before = heap_bytes_in_use();
  auto* block = new char[kAllocation];
  escape(block);
  const Bytes held = heap_bytes_in_use();
  delete[] block;
  const Bytes after = heap_bytes_in_use();
  // Other threads (none in this test binary at this point) could move it by a few KiB at most.
  EXPECT_GE(held, before + kAllocation);
  EXPECT_LT(after, held - kAllocation / 2);  // given back to the count at once, unlike RSS
}

// Waits until the sampler has taken a periodic sample after this call.
void wait_for_a_sample(const MemorySampler& sampler) {
  const size_t seen = sampler.samples().size();
  while (sampler.samples().size() <= seen) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

TEST(MemorySampler, StepHeapGrowthIsThePeakInsideTheStepNotTheEnd) {
  MemorySampler sampler(std::chrono::milliseconds(2));
  sampler.start();
  constexpr Bytes kAllocation = 32 * kMiB;
  sampler.enter("step");
  {
    auto* block = new char[kAllocation];
    escape(block);
    wait_for_a_sample(sampler);  // the periodic sample sees the block held
    delete[] block;
  }
  const Bytes growth = sampler.leave("step");  // nothing held any more at leave()
  sampler.stop();
  // The sampler thread allocates and frees its own records (the sample list grows by reallocation)
  // while the step runs, so the heap count beside the block moves by a few KiB either way; 1 MiB of
  // slack is far above that and far below the block, whose absence at leave() would give ~0.
  EXPECT_GE(growth, kAllocation - kMiB);
  EXPECT_LT(growth, kAllocation + 8 * kMiB);
  EXPECT_GT(sampler.samples().back().heap, 0u);
}

TEST(MemorySampler, StepHeapGrowthIgnoresMemoryFreedBeforeTheStep) {
  MemorySampler sampler(std::chrono::milliseconds(1000));  // only enter() and leave() readings
  sampler.start();
  auto* earlier = new char[64 * kMiB];
  escape(earlier);
  delete[] earlier;  // RSS may stay up; the heap count does not
  sampler.enter("step");
  auto* block = new char[16 * kMiB];
  escape(block);
  const Bytes growth = sampler.leave("step");
  delete[] block;
  sampler.stop();
  EXPECT_GE(growth, 16 * kMiB - kMiB);  // same slack for the sampler thread as above
  EXPECT_LT(growth, 24 * kMiB);
  EXPECT_EQ(sampler.leave("never-entered"), 0u);
}

TEST(MemorySampler, SamplesAreTaggedWithActiveOwners) {
  MemorySampler sampler(std::chrono::milliseconds(5));
  sampler.start();
  sampler.enter("color");
  sampler.enter("shot_cuts");
  sampler.enter("shot_cuts");  // nested: still active after one leave
  sampler.leave("shot_cuts");
  sampler.stop();  // the last sample is taken while both are active
  const auto samples = sampler.samples();
  ASSERT_GE(samples.size(), 2u);  // the first sample at start, the last at stop
  const MemorySample& last = samples.back();
  EXPECT_TRUE(has_tag(last, "color"));
  EXPECT_TRUE(has_tag(last, "shot_cuts"));
  EXPECT_EQ(std::count(last.active.begin(), last.active.end(), "shot_cuts"), 1);  // distinct names
  EXPECT_GT(last.rss, 0u);
  EXPECT_FALSE(last.gpu_used);  // no GPU reader installed
  for (size_t i = 1; i < samples.size(); ++i) EXPECT_GE(samples[i].t_s, samples[i - 1].t_s);

  nlohmann::json json = last;
  EXPECT_TRUE(json.contains("t_s"));
  EXPECT_TRUE(json.contains("rss_anon"));
  EXPECT_TRUE(json.contains("rss_file"));
  EXPECT_EQ(json["active"].size(), 2u);
  EXPECT_FALSE(json.contains("gpu_used"));
}

std::optional<GpuMemory> fake_gpu() { return GpuMemory{0, "Fake", 10 * kGiB, 4 * kGiB}; }

TEST(MemorySampler, RecordsGpuUseWhenAReaderIsInstalled) {
  set_gpu_memory_reader(&fake_gpu);
  MemorySampler sampler(std::chrono::milliseconds(5));
  sampler.start();
  sampler.stop();
  set_gpu_memory_reader(nullptr);
  const auto samples = sampler.samples();
  ASSERT_FALSE(samples.empty());
  EXPECT_EQ(samples.back().gpu_used, 6 * kGiB);
}

TEST(MemorySampler, StopIsIdempotentAndSafeWithoutStart) {
  MemorySampler never_started;
  never_started.stop();
  EXPECT_TRUE(never_started.samples().empty());

  MemorySampler sampler(std::chrono::milliseconds(5));
  sampler.start();
  sampler.start();  // no second thread
  sampler.stop();
  const size_t count = sampler.samples().size();
  sampler.stop();
  EXPECT_EQ(sampler.samples().size(), count);
}

}  // namespace
}  // namespace vidscope::memory
