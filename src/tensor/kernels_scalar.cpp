// The reference kernels: kernels_generic.inc with a one-float "vector" and the C library's exp/erf.
// Plain C++ for any x86-64; every other level is tested against this one.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "tensor/attention_row.h"
#include "tensor/half.h"
#include "tensor/kernel_table.h"

namespace vidscope::tensor::kernels_scalar {

constexpr SimdLevel kLevel = SimdLevel::kScalar;
struct Vec {
  float v;
};
constexpr int kW = 1;
constexpr int kGemmMr = 4;
constexpr int kGemmNr = 4;

inline Vec vzero() { return {0.0f}; }
inline Vec vset1(float a) { return {a}; }
inline Vec vload(const float* p) { return {*p}; }
inline void vstore(float* p, Vec a) { *p = a.v; }
inline Vec vadd(Vec a, Vec b) { return {a.v + b.v}; }
inline Vec vsub(Vec a, Vec b) { return {a.v - b.v}; }
inline Vec vmul(Vec a, Vec b) { return {a.v * b.v}; }
inline Vec vdiv(Vec a, Vec b) { return {a.v / b.v}; }
inline Vec vfma(Vec a, Vec b, Vec c) { return {a.v * b.v + c.v}; }
inline Vec vmax(Vec a, Vec b) { return {a.v > b.v ? a.v : b.v}; }
inline Vec vmin(Vec a, Vec b) { return {a.v < b.v ? a.v : b.v}; }
inline float vhsum(Vec a) { return a.v; }
inline float vhmax(Vec a) { return a.v; }
inline Vec vexp(Vec a) { return {std::exp(a.v)}; }
inline Vec verf(Vec a) { return {std::erf(a.v)}; }
inline Vec vload_bf16(const std::uint8_t* p) {
  std::uint16_t h;
  std::memcpy(&h, p, 2);
  return {bf16_to_f32(h)};
}
inline Vec vload_f16(const std::uint8_t* p) {
  std::uint16_t h;
  std::memcpy(&h, p, 2);
  return {f16_to_f32(h)};
}
inline Vec vload_i8(const std::uint8_t* p) { return {static_cast<float>(static_cast<std::int8_t>(*p))}; }
inline void load_q4_block(const std::uint8_t* nibbles, float d, Vec* out) {
  for (int j = 0; j < 16; ++j) {
    out[j].v = d * static_cast<float>((nibbles[j] & 0x0f) - 8);
    out[j + 16].v = d * static_cast<float>((nibbles[j] >> 4) - 8);
  }
}

inline float scale_f16_to_f32(std::uint16_t h) { return f16_to_f32(h); }

#include "tensor/kernels_generic.inc"

}  // namespace vidscope::tensor::kernels_scalar
