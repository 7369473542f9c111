#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

#include <nlohmann/json.hpp>

#include "memory/release_check.h"

namespace vidscope::memory {
namespace {

MemorySnapshot snapshot(Bytes anon, Bytes file, Bytes ledger) {
  MemorySnapshot s;
  s.process.rss_anon = anon;
  s.process.rss_file = file;
  s.process.rss = anon + file;
  s.owner_ledger_bytes = ledger;
  return s;
}

TEST(ReleaseCheck, FreedMemoryThatCameBackIsNotALeak) {
  const auto c = compare_release("vlm", snapshot(900 * kMiB, 50 * kMiB, 600 * kMiB), snapshot(310 * kMiB, 20 * kMiB, 0), true);
  EXPECT_EQ(c.ledger_freed, 600 * kMiB);
  EXPECT_EQ(c.anon_returned, static_cast<std::int64_t>(590 * kMiB));
  EXPECT_EQ(c.file_returned, static_cast<std::int64_t>(30 * kMiB));
  EXPECT_EQ(c.gap, static_cast<std::int64_t>(10 * kMiB));
  EXPECT_EQ(c.threshold, 16 * kMiB);  // max(16 MiB, 2 % of 600 MiB = 12 MiB)
  EXPECT_FALSE(c.leak);
  EXPECT_NE(c.verdict.find("released"), std::string::npos);
  const nlohmann::json j = c;
  EXPECT_EQ(j["leak"], false);
  EXPECT_EQ(j["allocator_trimmed"], true);
}

TEST(ReleaseCheck, MemoryKeptAfterTheLedgerFreedItIsALeakWithTheOwnersName) {
  const auto c = compare_release("vlm", snapshot(900 * kMiB, 0, 600 * kMiB), snapshot(800 * kMiB, 0, 0), true);
  EXPECT_EQ(c.gap, static_cast<std::int64_t>(500 * kMiB));
  EXPECT_TRUE(c.leak);
  EXPECT_NE(c.verdict.find("leak suspected in 'vlm'"), std::string::npos) << c.verdict;
}

TEST(ReleaseCheck, RealHeapBlockComesBackAfterTrim) {
  MemoryLedger ledger;
  const Bytes size = 64 * kMiB;
  // Many small blocks: glibc serves them from the heap (not mmap), which only a trim gives back.
  constexpr int kBlocks = 2048;
  std::vector<char*> blocks;
  std::vector<LedgerEntry> entries;
  for (int i = 0; i < kBlocks; ++i) {
    char* p = static_cast<char*>(std::malloc(size / kBlocks));
    ASSERT_NE(p, nullptr);
    std::memset(p, 1, size / kBlocks);
    blocks.push_back(p);
  }
  entries.push_back(ledger.add("model weights", "cpu", Purpose::kWeights, size));
  const MemorySnapshot before = take_snapshot(&ledger, "model");
  EXPECT_EQ(before.owner_ledger_bytes, size);
  for (char* p : blocks) std::free(p);
  entries.clear();
  const bool trimmed = trim_allocator_caches();
  const MemorySnapshot after = take_snapshot(&ledger, "model");
  const ReleaseCheck c = compare_release("model", before, after, trimmed);
  EXPECT_EQ(c.ledger_freed, size);
  // Under AddressSanitizer freed blocks sit in its quarantine and RSS does not fall: the check then
  // reports a leak, as it should for memory that did not come back; only assert the drop without it.
#if !defined(__SANITIZE_ADDRESS__)
  EXPECT_FALSE(c.leak) << c.verdict;
  EXPECT_GT(c.anon_returned, static_cast<std::int64_t>(size / 2));
#endif
}

}  // namespace
}  // namespace vidscope::memory
