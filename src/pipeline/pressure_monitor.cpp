#include "pipeline/pressure_monitor.h"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "memory/probe.h"

namespace vidscope::pipeline {

namespace {

// Events kept per run: a machine hovering at a level must not grow the report without bound.
constexpr std::size_t kMaxEvents = 256;

}  // namespace

std::string_view pressure_level_name(PressureLevel level) {
  switch (level) {
    case PressureLevel::kNormal: return "normal";
    case PressureLevel::kWarning: return "warning";
    case PressureLevel::kCritical: return "critical";
  }
  return "normal";
}

PressureMonitor::PressureMonitor(PressureLevels levels, ResourceGate& gate, std::chrono::milliseconds interval)
    : levels_(levels), gate_(gate), interval_(interval) {
  levels_.critical = std::min(levels_.critical, levels_.warning);
}

PressureMonitor::~PressureMonitor() { stop(); }

void PressureMonitor::start() {
  std::lock_guard lock(mutex_);
  if (running_) return;
  running_ = true;
  stop_requested_ = false;
  started_ = std::chrono::steady_clock::now();
  thread_ = std::thread([this] { run(); });
}

void PressureMonitor::stop() {
  {
    std::lock_guard lock(mutex_);
    if (!running_) return;
    stop_requested_ = true;
  }
  wake_.notify_all();
  thread_.join();
  std::lock_guard lock(mutex_);
  running_ = false;
  gate_.set_one_at_a_time(false);
}

void PressureMonitor::run() {
  std::unique_lock lock(mutex_);
  while (!stop_requested_) {
    lock.unlock();
    check_now();
    lock.lock();
    wake_.wait_for(lock, interval_, [this] { return stop_requested_; });
  }
}

void PressureMonitor::check_now() {
  const Bytes available = memory::read_system_memory().usable_available();
  std::lock_guard lock(mutex_);
  PressureLevel next = level_;
  if (available < levels_.critical) {
    next = PressureLevel::kCritical;
  } else if (available < levels_.warning) {
    // Between the levels: a critical state holds until memory is back above the warning level.
    if (level_ == PressureLevel::kNormal) next = PressureLevel::kWarning;
  } else {
    next = PressureLevel::kNormal;
  }
  if (next == level_) return;
  std::string action;
  if (next == PressureLevel::kCritical) {
    gate_.set_one_at_a_time(true);
    action = "admitting one step at a time";
  } else if (level_ == PressureLevel::kCritical) {  // critical holds until normal, so next is normal
    gate_.set_one_at_a_time(false);
    action = "memory is back: admitting steps side by side again";
  } else {
    action = next == PressureLevel::kWarning ? "warning only: admission unchanged" : "memory is back";
  }
  const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  spdlog::warn("memory pressure {}: {} available (warning below {}, critical below {}); {}",
               pressure_level_name(next), format_bytes(available), format_bytes(levels_.warning),
               format_bytes(levels_.critical), action);
  level_ = next;
  if (events_.size() < kMaxEvents) events_.push_back({t, next, available, action});
}

std::vector<PressureEvent> PressureMonitor::events() const {
  std::lock_guard lock(mutex_);
  return events_;
}

void to_json(nlohmann::json& out, const PressureEvent& e) {
  out = {{"t_s", e.t_s}, {"level", pressure_level_name(e.level)}, {"available_bytes", e.available_bytes},
         {"action", e.action}};
}

}  // namespace vidscope::pipeline
