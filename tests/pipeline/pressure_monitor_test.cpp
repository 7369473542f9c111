#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "memory/fault_injection.h"
#include "pipeline/pressure_monitor.h"

namespace vidscope::pipeline {
namespace {

struct ClearFaults {
  ~ClearFaults() { memory::set_fault_spec(""); }
};

analyzers::ResourceNeeds step() { return {kMiB, 0, 1}; }

TEST(PressureMonitor, WarnsThenSerializesThenRecovers) {
  ClearFaults clear;
  memory::Budget budget;
  budget.ram_bytes = kGiB;
  budget.threads = 4;
  ResourceGate gate(budget);
  PressureMonitor monitor({/*warning=*/512 * kMiB, /*critical=*/256 * kMiB}, gate);

  memory::set_fault_spec("available:400MiB");  // between the levels
  monitor.check_now();
  memory::set_fault_spec("available:100MiB");  // below critical
  monitor.check_now();
  memory::set_fault_spec("available:400MiB");  // between: critical holds (hysteresis)
  monitor.check_now();

  // Under critical pressure a second step waits until the first is done.
  Reservation first = gate.acquire(step());
  std::atomic<bool> second_admitted{false};
  std::thread second([&] {
    Reservation r = gate.acquire(step());
    second_admitted = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(second_admitted.load());
  first.release();
  second.join();
  EXPECT_TRUE(second_admitted.load());

  memory::set_fault_spec("");  // memory is back
  monitor.check_now();
  Reservation a = gate.acquire(step());
  Reservation b = gate.acquire(step());  // side by side again: would block if still serialized

  const auto events = monitor.events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].level, PressureLevel::kWarning);
  EXPECT_EQ(events[0].available_bytes, 400 * kMiB);
  EXPECT_EQ(events[1].level, PressureLevel::kCritical);
  EXPECT_NE(events[1].action.find("one step at a time"), std::string::npos);
  EXPECT_EQ(events[2].level, PressureLevel::kNormal);
  EXPECT_LE(events[0].t_s, events[2].t_s);
}

TEST(PressureMonitor, ThreadNoticesPressureAndStopLiftsIt) {
  ClearFaults clear;
  memory::Budget budget;
  budget.ram_bytes = kGiB;
  budget.threads = 2;
  ResourceGate gate(budget);
  memory::set_fault_spec("available:1MiB");
  {
    PressureMonitor monitor({64 * kMiB, 32 * kMiB}, gate, std::chrono::milliseconds(1));
    monitor.start();
    for (int i = 0; i < 2000 && monitor.events().empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    monitor.stop();
    ASSERT_FALSE(monitor.events().empty());
    EXPECT_EQ(monitor.events().front().level, PressureLevel::kCritical);
  }
  Reservation a = gate.acquire(step());
  Reservation b = gate.acquire(step());  // stop() lifted the one-at-a-time rule
}

}  // namespace
}  // namespace vidscope::pipeline
