// kernels_generic.inc on 16-float AVX-512 vectors (needs AVX-512 F/BW/VL, FMA and F16C). Everything
// after the target pragma is compiled for that level only; standard headers come before it.
#include <immintrin.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#include "tensor/attention_row.h"
#include "tensor/half.h"
#include "tensor/kernel_table.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")

namespace vidscope::tensor::kernels_avx512 {

constexpr SimdLevel kLevel = SimdLevel::kAvx512;
struct Vec {
  __m512 v;
};
constexpr int kW = 16;
constexpr int kGemmMr = 8;
constexpr int kGemmNr = 32;

inline Vec vzero() { return {_mm512_setzero_ps()}; }
inline Vec vset1(float a) { return {_mm512_set1_ps(a)}; }
inline Vec vload(const float* p) { return {_mm512_loadu_ps(p)}; }
inline void vstore(float* p, Vec a) { _mm512_storeu_ps(p, a.v); }
inline Vec vadd(Vec a, Vec b) { return {_mm512_add_ps(a.v, b.v)}; }
inline Vec vsub(Vec a, Vec b) { return {_mm512_sub_ps(a.v, b.v)}; }
inline Vec vmul(Vec a, Vec b) { return {_mm512_mul_ps(a.v, b.v)}; }
inline Vec vdiv(Vec a, Vec b) { return {_mm512_div_ps(a.v, b.v)}; }
inline Vec vfma(Vec a, Vec b, Vec c) { return {_mm512_fmadd_ps(a.v, b.v, c.v)}; }
inline Vec vmax(Vec a, Vec b) { return {_mm512_max_ps(a.v, b.v)}; }
inline Vec vmin(Vec a, Vec b) { return {_mm512_min_ps(a.v, b.v)}; }
inline Vec vabs(Vec a) { return {_mm512_abs_ps(a.v)}; }
inline Vec vcopysign(Vec magnitude, Vec sign) {
  const __m512i mask = _mm512_set1_epi32(static_cast<int>(0x80000000u));
  const __m512i m = _mm512_andnot_si512(mask, _mm512_castps_si512(magnitude.v));
  const __m512i s = _mm512_and_si512(mask, _mm512_castps_si512(sign.v));
  return {_mm512_castsi512_ps(_mm512_or_si512(m, s))};
}
inline Vec vround(Vec a) { return {_mm512_roundscale_ps(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)}; }
inline Vec vpow2i(Vec n) {
  const __m512i e = _mm512_add_epi32(_mm512_cvtps_epi32(n.v), _mm512_set1_epi32(127));
  return {_mm512_castsi512_ps(_mm512_slli_epi32(e, 23))};
}
inline float vhsum(Vec a) { return _mm512_reduce_add_ps(a.v); }
inline float vhmax(Vec a) { return _mm512_reduce_max_ps(a.v); }
inline Vec vload_bf16(const std::uint8_t* p) {
  const __m512i wide = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  return {_mm512_castsi512_ps(_mm512_slli_epi32(wide, 16))};
}
inline Vec vload_f16(const std::uint8_t* p) {
  return {_mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)))};
}
inline Vec vload_i8(const std::uint8_t* p) {
  return {_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))))};
}
// value = d * code - 8d, rounded once: bit-identical to d * (code - 8) of the reference.
inline void load_q4_block(const std::uint8_t* nibbles, float d, Vec* out) {
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(nibbles));
  const __m128i mask = _mm_set1_epi8(0x0f);
  const __m512 vd = _mm512_set1_ps(d), offset = _mm512_set1_ps(-8.0f * d);
  const __m512i lo = _mm512_cvtepu8_epi32(_mm_and_si128(bytes, mask));
  const __m512i hi = _mm512_cvtepu8_epi32(_mm_and_si128(_mm_srli_epi16(bytes, 4), mask));
  out[0].v = _mm512_fmadd_ps(_mm512_cvtepi32_ps(lo), vd, offset);
  out[1].v = _mm512_fmadd_ps(_mm512_cvtepi32_ps(hi), vd, offset);
}

// One q4 block scale: the F16C instruction, not the portable bit-twiddling (it is per 32 weights).
inline float scale_f16_to_f32(std::uint16_t h) { return _cvtsh_ss(h); }

#define VIDSCOPE_GENERIC_MATH 1
#include "tensor/kernels_generic.inc"
#undef VIDSCOPE_GENERIC_MATH

}  // namespace vidscope::tensor::kernels_avx512

#pragma GCC pop_options
