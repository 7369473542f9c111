#pragma once
// Deliberate failures, for proving that vidscope survives the real ones: an allocation of a named owner
// that fails (as std::bad_alloc, like a real out-of-memory), or less available RAM than the machine
// has (as when another process takes it). Off unless asked for; costs one relaxed atomic load when off.
//
// Spec (the VIDSCOPE_FAULTS environment variable, or set_fault_spec()): comma-separated rules
//   alloc:OWNER:N[:COUNT]      allocations N .. N+COUNT-1 (1-based, default COUNT 1) of OWNER fail;
//                              OWNER is a ledger owner ("vlm kv cache") or * for any owner
//   available:SIZE[@T0-T1]     MemAvailable reads as at most SIZE (e.g. 300MiB), optionally only
//                              between T0 and T1 seconds after the spec was installed
// Example: VIDSCOPE_FAULTS='alloc:vlm kv cache:1:2,available:512MiB@1-3'
//
// Thread-safety: every function may be called from any thread.
#include <optional>
#include <string>
#include <string_view>

#include "base/units.h"

namespace vidscope::memory {

// Installs `spec` (empty: no faults) and restarts the clock of time windows and the allocation
// counters. Throws Error(kUsage) quoting the bad rule; the previous spec stays installed then.
void set_fault_spec(std::string_view spec);

// Reads VIDSCOPE_FAULTS once (later calls do nothing); throws Error(kUsage) for a malformed spec, so a
// front end can reject it at start-up instead of at the first allocation.
void load_fault_spec_from_environment();

// The installed spec, normalized ("" when none), for reports.
std::string fault_spec();

// Counts an allocation by `owner` and throws std::bad_alloc when a rule says this one fails.
void check_injected_allocation_failure(std::string_view owner);

// The injected cap on available RAM right now, if any.
std::optional<Bytes> injected_available_ram();

}  // namespace vidscope::memory
