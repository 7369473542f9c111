#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "memory/ledger.h"

namespace vidscope::memory {
namespace {

TEST(MemoryLedger, TotalsByOwnerDeviceAndPurpose) {
  MemoryLedger ledger;
  LedgerEntry weights = ledger.add("vlm", "gpu0", Purpose::kWeights, 3 * kGiB);
  LedgerEntry kv = ledger.add("vlm", "gpu0", Purpose::kKvCache, 512 * kMiB);
  LedgerEntry frames = ledger.add("decoder", "cpu", Purpose::kFrames, 64 * kMiB);

  EXPECT_EQ(ledger.total(), 3 * kGiB + 576 * kMiB);
  EXPECT_EQ(ledger.total_for_owner("vlm"), 3 * kGiB + 512 * kMiB);
  EXPECT_EQ(ledger.total_for_device("cpu"), 64 * kMiB);
  EXPECT_EQ(ledger.total_for_purpose(Purpose::kKvCache), 512 * kMiB);
  EXPECT_EQ(ledger.totals_by_device().at("gpu0"), 3 * kGiB + 512 * kMiB);
  EXPECT_EQ(ledger.totals_by_purpose().at("frames"), 64 * kMiB);
  EXPECT_EQ(ledger.totals_by_owner().size(), 2u);
  EXPECT_EQ(ledger.records().size(), 3u);
}

TEST(MemoryLedger, EntriesReleaseOnDestructionAndPeakRemains) {
  MemoryLedger ledger;
  {
    LedgerEntry a = ledger.add("a", "cpu", Purpose::kScratch, 100);
    LedgerEntry b = ledger.add("b", "cpu", Purpose::kScratch, 50);
    EXPECT_EQ(ledger.total(), 150u);
  }
  EXPECT_EQ(ledger.total(), 0u);
  EXPECT_TRUE(ledger.records().empty());
  EXPECT_EQ(ledger.peak_total(), 150u);
  EXPECT_EQ(ledger.peaks_by_device().at("cpu"), 150u);
}

TEST(MemoryLedger, MoveTransfersOwnershipAndReleaseIsIdempotent) {
  MemoryLedger ledger;
  LedgerEntry a = ledger.add("a", "cpu", Purpose::kFrames, 10);
  LedgerEntry moved = std::move(a);
  EXPECT_FALSE(a.holds());  // NOLINT(bugprone-use-after-move): checking the moved-from state
  EXPECT_TRUE(moved.holds());
  EXPECT_EQ(ledger.total(), 10u);
  a.release();  // nothing held: no effect
  EXPECT_EQ(ledger.total(), 10u);
  moved.release();
  moved.release();
  EXPECT_EQ(ledger.total(), 0u);

  LedgerEntry target = ledger.add("t", "cpu", Purpose::kFrames, 7);
  target = ledger.add("u", "cpu", Purpose::kFrames, 3);  // the old holding is released
  EXPECT_EQ(ledger.total(), 3u);
  EXPECT_EQ(ledger.total_for_owner("t"), 0u);
}

TEST(MemoryLedger, ResizeChangesTheHolding) {
  MemoryLedger ledger;
  LedgerEntry kv = ledger.add("vlm", "cpu", Purpose::kKvCache, kMiB);
  kv.resize(8 * kMiB);
  EXPECT_EQ(ledger.total(), 8 * kMiB);
  kv.resize(2 * kMiB);
  EXPECT_EQ(ledger.total(), 2 * kMiB);
  EXPECT_EQ(ledger.peak_total(), 8 * kMiB);
}

TEST(MemoryLedger, ConcurrentAddAndReleaseBalance) {
  MemoryLedger ledger;
  LedgerEntry kept = ledger.add("kept", "cpu", Purpose::kWeights, 42);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&ledger, t] {
      for (int i = 0; i < 500; ++i) {
        LedgerEntry e = ledger.add("owner" + std::to_string(t), "cpu", Purpose::kScratch, 1 + i);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ledger.total(), 42u);
  EXPECT_GE(ledger.peak_total(), 42u + 500u);  // at least one thread's largest entry beside `kept`
}

TEST(MemoryLedger, JsonListsHoldingsAndTotals) {
  MemoryLedger ledger;
  LedgerEntry e = ledger.add("decoder", "cpu", Purpose::kFrames, 1234);
  const nlohmann::json json = ledger;
  EXPECT_EQ(json["total_bytes"], 1234u);
  EXPECT_EQ(json["by_purpose"]["frames"], 1234u);
  ASSERT_EQ(json["entries"].size(), 1u);
  EXPECT_EQ(json["entries"][0]["owner"], "decoder");
  EXPECT_EQ(json["entries"][0]["purpose"], "frames");
}

}  // namespace
}  // namespace vidscope::memory

namespace vidscope::memory {
namespace {

TEST(LedgerPeaks, PerOwnerAndPurposeKeepTheirHighestHolding) {
  MemoryLedger ledger;
  {
    LedgerEntry weights = ledger.add("vlm weights", "cpu", Purpose::kWeights, 100);
    LedgerEntry kv = ledger.add("vlm kv cache", "cpu", Purpose::kKvCache, 10);
    kv.resize(40);
    kv.resize(5);
    LedgerEntry frames_a = ledger.add("decoder", "cpu", Purpose::kFrames, 7);
    LedgerEntry frames_b = ledger.add("decoder", "cpu", Purpose::kFrames, 8);
  }
  EXPECT_EQ(ledger.total(), 0u);
  const auto by_owner = ledger.peaks_by_owner_and_purpose();
  EXPECT_EQ(by_owner.at("vlm weights").at("weights"), 100u);
  EXPECT_EQ(by_owner.at("vlm kv cache").at("kv_cache"), 40u);
  EXPECT_EQ(by_owner.at("decoder").at("frames"), 15u);  // both entries held at once
  const auto by_purpose = ledger.peaks_by_purpose();
  EXPECT_EQ(by_purpose.at("frames"), 15u);
  EXPECT_EQ(by_purpose.at("kv_cache"), 40u);
  EXPECT_EQ(ledger.peak_total(), 140u);  // weights + the KV cache at 40; it had shrunk before the frames came
}

}  // namespace
}  // namespace vidscope::memory
