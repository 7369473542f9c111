#pragma once
// The read loop the benchmarks measure memory bandwidth with: streams n bytes (32-byte aligned) and
// folds them into a value the caller keeps, so the loads cannot be optimized away. Four independent
// accumulators keep enough loads in flight to saturate the memory system. Needs AVX2 (every CPU the
// kernels' baseline runs on).
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

namespace vidscope::bench {

__attribute__((target("avx2"))) inline std::uint64_t stream_read(const std::uint8_t* p, std::size_t n) {
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  for (std::size_t i = 0; i + 128 <= n; i += 128) {
    a0 = _mm256_xor_si256(a0, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i)));
    a1 = _mm256_xor_si256(a1, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 32)));
    a2 = _mm256_xor_si256(a2, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 64)));
    a3 = _mm256_xor_si256(a3, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 96)));
  }
  const __m256i a = _mm256_xor_si256(_mm256_xor_si256(a0, a1), _mm256_xor_si256(a2, a3));
  return static_cast<std::uint64_t>(_mm256_extract_epi64(a, 0) ^ _mm256_extract_epi64(a, 3));
}

}  // namespace vidscope::bench
