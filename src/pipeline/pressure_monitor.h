#pragma once
// The governor's eye on the machine: a thread that reads available RAM (MemAvailable, capped by the
// cgroup) at an interval and turns drops into pressure events. Below the warning level it records a
// warning; below the critical level it tells the resource gate to admit one step at a time; when
// available memory climbs back above the warning level it lifts that and records the recovery.
// Levels come from the user (absolute or % of RAM); the gap between the two gives hysteresis.
//
// Thread-safety: start/stop from the owner thread; events() from any thread.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/units.h"
#include "pipeline/resource_gate.h"

namespace vidscope::pipeline {

enum class PressureLevel { kNormal, kWarning, kCritical };
std::string_view pressure_level_name(PressureLevel level);  // "normal", "warning", "critical"

struct PressureEvent {
  double t_s = 0;            // since the monitor started
  PressureLevel level = PressureLevel::kNormal;
  Bytes available_bytes = 0;
  std::string action;        // what the governor did
};

struct PressureLevels {
  Bytes warning = 0;   // available RAM below this: warn
  Bytes critical = 0;  // below this: one step at a time (<= warning)
};

class PressureMonitor {
 public:
  PressureMonitor(PressureLevels levels, ResourceGate& gate,
                  std::chrono::milliseconds interval = std::chrono::milliseconds(100));
  ~PressureMonitor();  // stops
  PressureMonitor(const PressureMonitor&) = delete;
  PressureMonitor& operator=(const PressureMonitor&) = delete;

  void start();
  void stop();  // idempotent; lifts any restriction on the gate
  // Reads once and reacts, on the caller's thread (the thread calls this; tests may too).
  void check_now();

  std::vector<PressureEvent> events() const;
  const PressureLevels& levels() const { return levels_; }

 private:
  void run();

  PressureLevels levels_;
  ResourceGate& gate_;
  std::chrono::milliseconds interval_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool running_ = false;
  bool stop_requested_ = false;
  PressureLevel level_ = PressureLevel::kNormal;
  std::vector<PressureEvent> events_;
  std::thread thread_;
};

void to_json(nlohmann::json& out, const PressureEvent& event);

}  // namespace vidscope::pipeline
