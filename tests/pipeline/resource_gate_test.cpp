#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "base/error.h"
#include "pipeline/resource_gate.h"

namespace vidscope::pipeline {
namespace {

memory::Budget budget(Bytes ram, unsigned threads, std::optional<Bytes> gpu = std::nullopt) {
  memory::Budget b;
  b.ram_bytes = ram;
  b.threads = threads;
  b.gpu_bytes = gpu;
  return b;
}

TEST(ResourceGate, ExplainsNeedsThatCanNeverFit) {
  const ResourceGate gate(budget(kGiB, 2));
  EXPECT_FALSE(gate.why_never_fits({kGiB, 0, 1}));
  EXPECT_FALSE(gate.why_never_fits({0, 0, 64}));  // threads are clamped, not refused
  const auto ram = gate.why_never_fits({kGiB + 1, 0, 1});
  ASSERT_TRUE(ram);
  EXPECT_NE(ram->find("RAM budget is 1.00 GiB"), std::string::npos) << *ram;
  EXPECT_TRUE(gate.why_never_fits({0, 1, 1}));  // GPU bytes without a GPU

  const ResourceGate with_gpu(budget(kGiB, 2, 4 * kGiB));
  EXPECT_FALSE(with_gpu.why_never_fits({0, 4 * kGiB, 1}));
  EXPECT_TRUE(with_gpu.why_never_fits({0, 5 * kGiB, 1}));
  EXPECT_EQ(with_gpu.admitted_needs({0, 0, 64}).threads, 2u);
  EXPECT_EQ(with_gpu.admitted_needs({0, 0, 0}).threads, 1u);
}

TEST(ResourceGate, AcquireThrowsBudgetErrorForImpossibleNeeds) {
  ResourceGate gate(budget(kMiB, 1));
  try {
    gate.acquire({kGiB, 0, 1});
    ADD_FAILURE() << "admitted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBudget);
  }
}

TEST(ResourceGate, ReleasingLetsTheNextStepIn) {
  ResourceGate gate(budget(kGiB, 4));
  Reservation first = gate.acquire({700 * kMiB, 0, 1});
  std::atomic<bool> second_admitted{false};
  std::thread waiter([&] {
    Reservation second = gate.acquire({700 * kMiB, 0, 1});
    second_admitted = true;
  });
  // The waiter cannot be admitted while `first` holds 700 MiB of 1 GiB; nothing here depends on how
  // long we wait, only on the release below being what unblocks it.
  EXPECT_FALSE(second_admitted.load());
  first.release();
  waiter.join();
  EXPECT_TRUE(second_admitted.load());
  EXPECT_EQ(gate.peak_reserved_ram(), 700 * kMiB);
}

TEST(ResourceGate, ReservationsMoveAndReleaseOnce) {
  ResourceGate gate(budget(kGiB, 1));
  Reservation a = gate.acquire({kGiB, 0, 1});
  Reservation b = std::move(a);
  a.release();  // moved-from: nothing to give back
  b.release();
  b.release();
  Reservation c = gate.acquire({kGiB, 0, 1});  // would block forever if anything leaked or double-freed
  EXPECT_EQ(gate.peak_reserved_ram(), kGiB);
}

TEST(ResourceGate, RejectsZeroThreads) { EXPECT_THROW(ResourceGate(budget(kGiB, 0)), Error); }

}  // namespace
}  // namespace vidscope::pipeline
