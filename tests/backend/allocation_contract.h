#pragma once
// The allocation contract of backend.h, checked the same way on every backend: a backend built with
// a 10000-byte limit and `ledger` counts two live buffers (7000 bytes) in allocated_bytes(), memory()
// and the ledger; an allocation past the limit is a budget error naming `device` that leaves
// nothing behind; everything returns to zero when the buffers go. `while_live` runs its own checks
// on the two buffers (4000 bytes of weights, 3000 of KV cache) while they exist.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "backend/backend.h"
#include "base/error.h"
#include "memory/ledger.h"

namespace vidscope::backend::testing {

inline void check_allocation_contract(Backend& backend, const memory::MemoryLedger& ledger, const std::string& device,
                                      const std::function<void(Buffer& weights, Buffer& kv)>& while_live = {}) {
  EXPECT_EQ(backend.memory().total, 10000u);
  {
    auto a = backend.allocate(4000, "decoder", memory::Purpose::kWeights);
    auto b = backend.allocate(3000, "decoder", memory::Purpose::kKvCache);
    EXPECT_EQ(backend.allocated_bytes(), 7000u);
    EXPECT_EQ(backend.memory().free, 3000u);
    EXPECT_EQ(ledger.total_for_owner("decoder"), 7000u);
    EXPECT_EQ(ledger.total_for_purpose(memory::Purpose::kWeights), 4000u);
    if (while_live) while_live(*a, *b);
    try {
      (void)backend.allocate(3001, "decoder", memory::Purpose::kActivations);
      FAIL() << "allocation past the limit must fail";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kBudget);
      EXPECT_NE(std::string(e.what()).find(device), std::string::npos) << e.what();
    }
    EXPECT_EQ(backend.allocated_bytes(), 7000u) << "a failed allocation leaves nothing behind";
    EXPECT_EQ(ledger.total(), 7000u);
  }
  EXPECT_EQ(backend.allocated_bytes(), 0u);
  EXPECT_EQ(ledger.total(), 0u);
  EXPECT_EQ(ledger.peak_total(), 7000u);
}

}  // namespace vidscope::backend::testing
