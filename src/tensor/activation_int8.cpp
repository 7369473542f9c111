#include "tensor/activation_int8.h"

#include <emmintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>


namespace vidscope::tensor {

namespace {

// SSE2 (every x86-64 CPU has it), so every level rounds with the same instructions; the scalar
// loops the compiler made of this took ~2 ns per value, which decode pays before the threads start.
// `correction` gets the block's four correction lanes (activation_int8.h), for a weight code offset
// of 1 << offset_shift.
void quantize_block(const float* v, int offset_shift, std::uint8_t* lo, std::uint8_t* hi, std::uint8_t* correction,
                    float* scale) {
  constexpr int kVectors = kActBlock / 4;
  __m128 x[kVectors];
  const __m128 sign = _mm_set1_ps(-0.0f);
  const __m128i exponent = _mm_set1_epi32(0x7f800000);
  __m128 amax = _mm_setzero_ps();
  __m128i non_finite = _mm_setzero_si128();
  for (int i = 0; i < kVectors; ++i) {
    x[i] = _mm_loadu_ps(v + 4 * i);
    amax = _mm_max_ps(amax, _mm_andnot_ps(sign, x[i]));
    const __m128i e = _mm_and_si128(_mm_castps_si128(x[i]), exponent);
    non_finite = _mm_or_si128(non_finite, _mm_cmpeq_epi32(e, exponent));
  }
  amax = _mm_max_ps(amax, _mm_movehl_ps(amax, amax));
  amax = _mm_max_ss(amax, _mm_shuffle_ps(amax, amax, 1));
  const float d = _mm_movemask_epi8(non_finite) != 0 ? std::nanf("") : _mm_cvtss_f32(amax) / 127.0f;
  const float inverse = d > 0.0f ? 1.0f / d : 0.0f;  // 0 for an all-zero block and for NaN
  // Round half to even as quantize.cpp's round_half_even does (adding 1.5 * 2^23 rounds, subtracting
  // it is exact; this file is compiled without FMA contraction), then clamp and pack to bytes.
  const __m128 vinv = _mm_set1_ps(inverse), shift = _mm_set1_ps(12582912.0f);
  const __m128 low = _mm_set1_ps(-127.0f), high = _mm_set1_ps(127.0f);
  __m128i codes32[kVectors];
  for (int i = 0; i < kVectors; ++i) {
    const __m128 q = _mm_sub_ps(_mm_add_ps(_mm_mul_ps(x[i], vinv), shift), shift);
    codes32[i] = _mm_cvttps_epi32(_mm_min_ps(_mm_max_ps(q, low), high));
  }
  for (int half = 0; half < 2; ++half) {
    const __m128i* c = codes32 + 4 * half;
    const __m128i bytes = _mm_packs_epi16(_mm_packs_epi32(c[0], c[1]), _mm_packs_epi32(c[2], c[3]));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(half == 0 ? lo : hi), bytes);
  }
  // The block's whole sum goes to its first lane (activation_int8.h): add the halves, then the four
  // vectors, then across the four lanes.
  __m128i sum = _mm_setzero_si128();
  for (int j = 0; j < kVectors; ++j) sum = _mm_add_epi32(sum, codes32[j]);
  sum = _mm_add_epi32(sum, _mm_shuffle_epi32(sum, 0x4e));  // lanes + lanes two over
  sum = _mm_add_epi32(sum, _mm_shuffle_epi32(sum, 0xb1));  // + neighbour: the total in every lane
  const __m128i total = _mm_and_si128(sum, _mm_set_epi32(0, 0, 0, -1));
  const __m128i negated = _mm_sub_epi32(_mm_setzero_si128(), _mm_slli_epi32(total, offset_shift));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(correction), negated);
  *scale = d;
}

void quantize_group(const float* x, int offset_shift, std::uint8_t* group) {
  for (std::int64_t b = 0; b < kActBlocksPerGroup; ++b) {
    float d;
    quantize_block(x + b * kActBlock, offset_shift, group + 16 * b, group + 64 + 16 * b,
                   group + kActCorrectionOffset + 16 * b, &d);
    for (std::size_t j = 0; j < 4; ++j) std::memcpy(group + kActScaleOffset + (4 * b + j) * sizeof(float), &d, sizeof(float));
  }
}

// Byte offset of value i (0..127) of a group: blocks of 32 split into a low and a high half of 16.
constexpr std::size_t code_offset(std::int64_t i) {
  const std::int64_t block = i / kActBlock, within = i % kActBlock;
  return static_cast<std::size_t>((within / 16) * 64 + block * 16 + within % 16);
}

}  // namespace

void quantize_activation_rows(const float* x, std::int64_t x_stride, int rows, std::int64_t k, DType weights,
                              std::uint8_t* out) {
  const int offset = activation_weight_offset(weights);
  // offset is a power of two; a shift of 32 or more gives 0 (no correction).
  const int offset_shift = offset == 0 ? 32 : __builtin_ctz(static_cast<unsigned>(offset));
  const std::int64_t groups = activation_groups(k);
  const std::size_t row_bytes = activation_row_bytes(k);
  for (int m = 0; m < rows; ++m) {
    const float* row = x + m * x_stride;
    std::uint8_t* dst = out + m * row_bytes;
    for (std::int64_t g = 0; g < groups; ++g) {
      const std::int64_t begin = g * kActGroup;
      if (begin + kActGroup <= k) {
        quantize_group(row + begin, offset_shift, dst + g * kActGroupBytes);
      } else {  // the last, partial group: zero-padded (the weights are zero or zero-padded there too)
        float padded[kActGroup] = {};
        std::copy(row + begin, row + k, padded);
        quantize_group(padded, offset_shift, dst + g * kActGroupBytes);
      }
    }
  }
}

void dequantize_activation_row(const std::uint8_t* row, std::int64_t k, float* out) {
  for (std::int64_t i = 0; i < k; ++i) {
    const std::uint8_t* group = row + (i / kActGroup) * kActGroupBytes;
    const std::int64_t within = i % kActGroup;
    float d;
    std::memcpy(&d, group + kActScaleOffset + (within / kActBlock) * 4 * sizeof(float), sizeof(float));
    out[i] = d * static_cast<float>(static_cast<std::int8_t>(group[code_offset(within)]));
  }
}

}  // namespace vidscope::tensor
