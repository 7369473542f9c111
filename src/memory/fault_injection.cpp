#include "memory/fault_injection.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <vector>

#include <fmt/format.h>

#include "base/error.h"

namespace vidscope::memory {

namespace {

using Clock = std::chrono::steady_clock;

struct AllocationRule {
  std::string owner;  // "*" matches every owner
  std::uint64_t first = 1;
  std::uint64_t count = 1;
};

struct AvailableRule {
  Bytes cap = 0;
  double from_s = 0;
  double until_s = -1;  // < 0: for ever
};

struct FaultPlan {
  std::string normalized;
  std::vector<AllocationRule> allocations;
  std::vector<AvailableRule> available;
};

std::mutex g_mutex;
std::atomic<bool> g_active{false};
FaultPlan g_plan;
Clock::time_point g_installed = Clock::now();
std::map<std::string, std::uint64_t, std::less<>> g_counts;  // allocations seen per owner
std::once_flag g_environment_once;

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(separator, start);
    parts.emplace_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

[[noreturn]] void bad_rule(std::string_view rule, std::string_view why) {
  throw_usage_error(fmt::format("VIDSCOPE_FAULTS rule '{}': {} (forms: alloc:OWNER:N[:COUNT], available:SIZE[@T0-T1])",
                                rule, why));
}

std::uint64_t parse_count(std::string_view rule, const std::string& text, std::string_view what) {
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || value == 0) bad_rule(rule, fmt::format("{} must be a whole number >= 1", what));
  return value;
}

double parse_seconds(std::string_view rule, const std::string& text) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(value >= 0)) bad_rule(rule, "times must be seconds >= 0");
  return value;
}

FaultPlan parse_plan(std::string_view spec) {
  FaultPlan plan;
  if (spec.empty()) return plan;
  for (const std::string& rule : split(spec, ',')) {
    if (rule.empty()) continue;
    const auto fields = split(rule, ':');
    if (fields[0] == "alloc") {
      if (fields.size() < 3 || fields.size() > 4 || fields[1].empty()) bad_rule(rule, "expected alloc:OWNER:N[:COUNT]");
      AllocationRule a{fields[1], parse_count(rule, fields[2], "N"), 1};
      if (fields.size() == 4) a.count = parse_count(rule, fields[3], "COUNT");
      plan.allocations.push_back(a);
    } else if (fields[0] == "available") {
      if (fields.size() != 2) bad_rule(rule, "expected available:SIZE[@T0-T1]");
      const auto at = fields[1].find('@');
      AvailableRule a;
      const auto size = parse_bytes(fields[1].substr(0, at));
      if (!size) bad_rule(rule, "SIZE must be a size such as 300MiB");
      a.cap = *size;
      if (at != std::string::npos) {
        const auto window = split(std::string_view(fields[1]).substr(at + 1), '-');
        if (window.size() != 2) bad_rule(rule, "the window must be T0-T1 in seconds");
        a.from_s = parse_seconds(rule, window[0]);
        a.until_s = parse_seconds(rule, window[1]);
        if (a.until_s <= a.from_s) bad_rule(rule, "T1 must be after T0");
      }
      plan.available.push_back(a);
    } else {
      bad_rule(rule, "unknown kind '" + fields[0] + "'");
    }
    if (!plan.normalized.empty()) plan.normalized += ',';
    plan.normalized += rule;
  }
  return plan;
}

}  // namespace

void set_fault_spec(std::string_view spec) {
  FaultPlan plan = parse_plan(spec);
  std::lock_guard lock(g_mutex);
  g_plan = std::move(plan);
  g_counts.clear();
  g_installed = Clock::now();
  g_active.store(!g_plan.allocations.empty() || !g_plan.available.empty());
}

void load_fault_spec_from_environment() {
  std::call_once(g_environment_once, [] {
    if (const char* spec = std::getenv("VIDSCOPE_FAULTS")) set_fault_spec(spec);
  });
}

std::string fault_spec() {
  std::lock_guard lock(g_mutex);
  return g_plan.normalized;
}

void check_injected_allocation_failure(std::string_view owner) {
  if (!g_active.load(std::memory_order_relaxed)) return;
  std::lock_guard lock(g_mutex);
  if (g_plan.allocations.empty()) return;
  const std::uint64_t nth = ++g_counts[std::string(owner)];
  const std::uint64_t nth_any = ++g_counts["*"];
  for (const AllocationRule& rule : g_plan.allocations) {
    const std::uint64_t n = rule.owner == "*" ? nth_any : (rule.owner == owner ? nth : 0);
    if (n >= rule.first && n < rule.first + rule.count) throw std::bad_alloc();
  }
}

std::optional<Bytes> injected_available_ram() {
  if (!g_active.load(std::memory_order_relaxed)) return std::nullopt;
  std::lock_guard lock(g_mutex);
  const double now_s = std::chrono::duration<double>(Clock::now() - g_installed).count();
  std::optional<Bytes> cap;
  for (const AvailableRule& rule : g_plan.available) {
    if (now_s < rule.from_s || (rule.until_s >= 0 && now_s >= rule.until_s)) continue;
    cap = cap ? std::min(*cap, rule.cap) : rule.cap;
  }
  return cap;
}

}  // namespace vidscope::memory
