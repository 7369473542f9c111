#include <gtest/gtest.h>

#include <new>

#include "base/error.h"
#include "memory/fault_injection.h"
#include "memory/probe.h"

namespace vidscope::memory {
namespace {

struct ClearFaults {
  ~ClearFaults() { set_fault_spec(""); }
};

int failures_in(int calls, std::string_view owner) {
  int failed = 0;
  for (int i = 0; i < calls; ++i) {
    try {
      check_injected_allocation_failure(owner);
    } catch (const std::bad_alloc&) {
      ++failed;
    }
  }
  return failed;
}

TEST(FaultInjection, NthAllocationOfAnOwnerFails) {
  ClearFaults clear;
  set_fault_spec("alloc:vlm kv cache:2:3");
  EXPECT_EQ(fault_spec(), "alloc:vlm kv cache:2:3");
  EXPECT_EQ(failures_in(10, "decoder"), 0);  // other owners are not counted against the rule
  EXPECT_NO_THROW(check_injected_allocation_failure("vlm kv cache"));                 // 1st
  EXPECT_THROW(check_injected_allocation_failure("vlm kv cache"), std::bad_alloc);    // 2nd
  EXPECT_THROW(check_injected_allocation_failure("vlm kv cache"), std::bad_alloc);    // 3rd
  EXPECT_THROW(check_injected_allocation_failure("vlm kv cache"), std::bad_alloc);    // 4th
  EXPECT_NO_THROW(check_injected_allocation_failure("vlm kv cache"));                 // 5th
  set_fault_spec("alloc:*:3");  // reinstalling restarts the counters
  EXPECT_EQ(failures_in(5, "anyone"), 1);
}

TEST(FaultInjection, AvailableRamCanBePretendedSmaller) {
  ClearFaults clear;
  const Bytes real = read_system_memory().available;
  ASSERT_GT(real, 300 * kMiB);
  set_fault_spec("available:300MiB");
  EXPECT_EQ(injected_available_ram(), 300 * kMiB);
  EXPECT_EQ(read_system_memory().available, 300 * kMiB);
  // capacity = available + own RSS; RSS is read twice and may move by a few pages in between.
  EXPECT_LE(ram_capacity(), 300 * kMiB + read_process_memory().rss + 16 * kMiB);
  // A window that has not started yet changes nothing.
  set_fault_spec("available:300MiB@1000-2000");
  EXPECT_FALSE(injected_available_ram().has_value());
  set_fault_spec("");
  EXPECT_FALSE(injected_available_ram().has_value());
  EXPECT_GT(read_system_memory().available, 300 * kMiB);
}

TEST(FaultInjection, MalformedSpecsAreUsageErrorsAndKeepThePreviousSpec) {
  ClearFaults clear;
  set_fault_spec("alloc:x:1");
  for (const char* bad : {"alloc:x", "alloc::1", "alloc:x:0", "alloc:x:one", "available:lots", "available:1GiB@5-2",
                          "available:1GiB@5", "explode:now"}) {
    try {
      set_fault_spec(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kUsage) << bad;
      EXPECT_NE(std::string(e.what()).find("VIDSCOPE_FAULTS"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(fault_spec(), "alloc:x:1");
}

}  // namespace
}  // namespace vidscope::memory
