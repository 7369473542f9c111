#pragma once
// Byte arithmetic that saturates at the largest value instead of wrapping. The planner multiplies
// user-supplied shapes (frames x patches x heads x ...); an absurd shape must read as "needs more
// than any budget", never wrap around to a small number that would "fit".
#include <cstdint>
#include <initializer_list>
#include <limits>

namespace vidscope::memory {

inline constexpr std::uint64_t kSaturatedBytes = std::numeric_limits<std::uint64_t>::max();

constexpr std::uint64_t add_saturating(std::uint64_t a, std::uint64_t b) {
  return a > kSaturatedBytes - b ? kSaturatedBytes : a + b;
}

constexpr std::uint64_t mul_saturating(std::uint64_t a, std::uint64_t b) {
  if (a == 0 || b == 0) return 0;
  return a > kSaturatedBytes / b ? kSaturatedBytes : a * b;
}

constexpr std::uint64_t product_saturating(std::initializer_list<std::uint64_t> factors) {
  std::uint64_t result = 1;
  for (std::uint64_t f : factors) result = mul_saturating(result, f);
  return result;
}

constexpr std::uint64_t sum_saturating(std::initializer_list<std::uint64_t> terms) {
  std::uint64_t result = 0;
  for (std::uint64_t t : terms) result = add_saturating(result, t);
  return result;
}

}  // namespace vidscope::memory
