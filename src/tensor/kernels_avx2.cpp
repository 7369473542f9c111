// kernels_generic.inc on 8-float AVX2 vectors (needs AVX2, FMA and F16C). Everything after the
// target pragma is compiled for that level only; standard headers come before it on purpose.
#include <immintrin.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#include "tensor/attention_row.h"
#include "tensor/half.h"
#include "tensor/kernel_table.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")

namespace vidscope::tensor::kernels_avx2 {

constexpr SimdLevel kLevel = SimdLevel::kAvx2;
struct Vec {
  __m256 v;
};
constexpr int kW = 8;
constexpr int kGemmMr = 6;
constexpr int kGemmNr = 16;

inline Vec vzero() { return {_mm256_setzero_ps()}; }
inline Vec vset1(float a) { return {_mm256_set1_ps(a)}; }
inline Vec vload(const float* p) { return {_mm256_loadu_ps(p)}; }
inline void vstore(float* p, Vec a) { _mm256_storeu_ps(p, a.v); }
inline Vec vadd(Vec a, Vec b) { return {_mm256_add_ps(a.v, b.v)}; }
inline Vec vsub(Vec a, Vec b) { return {_mm256_sub_ps(a.v, b.v)}; }
inline Vec vmul(Vec a, Vec b) { return {_mm256_mul_ps(a.v, b.v)}; }
inline Vec vdiv(Vec a, Vec b) { return {_mm256_div_ps(a.v, b.v)}; }
inline Vec vfma(Vec a, Vec b, Vec c) { return {_mm256_fmadd_ps(a.v, b.v, c.v)}; }
inline Vec vmax(Vec a, Vec b) { return {_mm256_max_ps(a.v, b.v)}; }
inline Vec vmin(Vec a, Vec b) { return {_mm256_min_ps(a.v, b.v)}; }
inline Vec vabs(Vec a) { return {_mm256_andnot_ps(_mm256_set1_ps(-0.0f), a.v)}; }
inline Vec vcopysign(Vec magnitude, Vec sign) {
  const __m256 mask = _mm256_set1_ps(-0.0f);
  return {_mm256_or_ps(_mm256_andnot_ps(mask, magnitude.v), _mm256_and_ps(mask, sign.v))};
}
inline Vec vround(Vec a) { return {_mm256_round_ps(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)}; }
inline Vec vpow2i(Vec n) {
  const __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(n.v), _mm256_set1_epi32(127));
  return {_mm256_castsi256_ps(_mm256_slli_epi32(e, 23))};
}
inline float vhsum(Vec a) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(a.v), _mm256_extractf128_ps(a.v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
inline float vhmax(Vec a) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(a.v), _mm256_extractf128_ps(a.v, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
inline Vec vload_bf16(const std::uint8_t* p) {
  const __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  return {_mm256_castsi256_ps(_mm256_slli_epi32(wide, 16))};
}
inline Vec vload_f16(const std::uint8_t* p) {
  return {_mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)))};
}
inline Vec vload_i8(const std::uint8_t* p) {
  return {_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))))};
}
// value = d * code - 8d, rounded once: bit-identical to d * (code - 8) of the reference.
inline void load_q4_block(const std::uint8_t* nibbles, float d, Vec* out) {
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(nibbles));
  const __m128i mask = _mm_set1_epi8(0x0f);
  const __m128i lo = _mm_and_si128(bytes, mask);
  const __m128i hi = _mm_and_si128(_mm_srli_epi16(bytes, 4), mask);
  const __m256 vd = _mm256_set1_ps(d), offset = _mm256_set1_ps(-8.0f * d);
  auto convert = [&](__m128i codes) { return _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(codes)), vd, offset); };
  out[0].v = convert(lo);
  out[1].v = convert(_mm_srli_si128(lo, 8));
  out[2].v = convert(hi);
  out[3].v = convert(_mm_srli_si128(hi, 8));
}

// One q4 block scale: the F16C instruction, not the portable bit-twiddling (it is per 32 weights).
inline float scale_f16_to_f32(std::uint16_t h) { return _cvtsh_ss(h); }

#define VIDSCOPE_GENERIC_MATH 1
#include "tensor/kernels_generic.inc"
#undef VIDSCOPE_GENERIC_MATH

}  // namespace vidscope::tensor::kernels_avx2

#pragma GCC pop_options
