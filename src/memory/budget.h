#pragma once
// A memory budget as the user writes it (`--ram-budget 12GiB`, `--gpu-budget 80%`), and the one
// type the scheduler and planner use after it is resolved against a device's capacity.
#include <optional>
#include <string>
#include <string_view>

#include "base/units.h"

namespace vidscope::memory {

class BudgetSpec {
 public:
  static BudgetSpec unlimited() { return BudgetSpec(); }
  static BudgetSpec absolute(Bytes bytes);
  static BudgetSpec percent(double percent);  // of the device's capacity, in (0, 100]

  // "12GiB", "800MiB", "1.5G", "80%", "unlimited". Throws Error(kUsage) with the accepted forms on
  // anything else, including 0, negative sizes and percentages outside (0, 100].
  static BudgetSpec parse(std::string_view text);

  bool is_unlimited() const { return !bytes_ && !percent_; }
  // The limit in bytes for a device of `capacity` bytes (percent specs), or nullopt when unlimited.
  std::optional<Bytes> resolve(Bytes capacity) const;
  std::string to_string() const;  // as the user would write it, "unlimited" when unset

 private:
  std::optional<Bytes> bytes_;
  std::optional<double> percent_;
};

// A resolved budget: what the scheduler admits work against.
struct Budget {
  Bytes ram_bytes = 0;                  // limit for this process's RAM use
  std::optional<Bytes> gpu_bytes;       // nullopt when there is no GPU
  unsigned threads = 1;
};

}  // namespace vidscope::memory
