#pragma once
// A 64-bit FNV-1a hash of raw bytes, 8 at a time, for recognising identical inputs (frames, audio) that
// analyzers of one run share results for. Not cryptographic; a key always pairs it with sizes and times.
#include <cstdint>
#include <cstring>
#include <span>

namespace vidscope::analyzers {

inline std::uint64_t content_hash(std::span<const std::byte> bytes) {
  constexpr std::uint64_t kOffset = 1469598103934665603ull, kPrime = 1099511628211ull;
  std::uint64_t hash = kOffset;
  size_t i = 0;
  for (; i + sizeof(std::uint64_t) <= bytes.size(); i += sizeof(std::uint64_t)) {
    std::uint64_t word = 0;
    std::memcpy(&word, bytes.data() + i, sizeof word);
    hash = (hash ^ word) * kPrime;
  }
  for (; i < bytes.size(); ++i) hash = (hash ^ static_cast<std::uint64_t>(bytes[i])) * kPrime;
  return hash;
}

}  // namespace vidscope::analyzers
