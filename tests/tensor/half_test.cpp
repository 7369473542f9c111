#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <random>

#include "tensor/half.h"

namespace vidscope::tensor {
namespace {

bool is_nan16_f16(std::uint16_t h) { return (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0; }

TEST(HalfTest, Bf16RoundTripIsExactForAll65536Patterns) {
  for (std::uint32_t bits = 0; bits <= 0xffff; ++bits) {
    const auto h = static_cast<std::uint16_t>(bits);
    ASSERT_EQ(f32_to_bf16(bf16_to_f32(h)), h) << std::hex << bits;
  }
}

TEST(HalfTest, F16RoundTripIsExactForAll65536Patterns) {
  for (std::uint32_t bits = 0; bits <= 0xffff; ++bits) {
    const auto h = static_cast<std::uint16_t>(bits);
    const float f = f16_to_f32(h);
    ASSERT_EQ(f32_to_f16(f), h) << std::hex << bits;
    ASSERT_EQ(std::isnan(f), is_nan16_f16(h)) << std::hex << bits;
  }
}

TEST(HalfTest, F16DecodesKnownValues) {
  EXPECT_EQ(f16_to_f32(0x3c00), 1.0f);
  EXPECT_EQ(f16_to_f32(0xc000), -2.0f);
  EXPECT_EQ(f16_to_f32(0x7bff), 65504.0f);
  EXPECT_EQ(f16_to_f32(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(f16_to_f32(0x0400), std::ldexp(1.0f, -14));  // smallest normal
  EXPECT_TRUE(std::isinf(f16_to_f32(0x7c00)));
  EXPECT_TRUE(std::signbit(f16_to_f32(0x8000)));
}

// Checks that `got` (decoded) is the round-to-nearest-even choice for x among representable values:
// decode(pattern +- 1) are the neighbours (same sign), so x must be no closer to either of them,
// and at an exact tie the even pattern wins.
template <typename Encode, typename Decode>
void expect_nearest_even(float x, Encode encode, Decode decode) {
  const std::uint16_t h = encode(x);
  const double got = decode(h);
  if (std::isinf(got)) return;  // overflow handled by the dedicated tests
  for (int step : {-1, 1}) {
    const auto neighbour_bits = static_cast<std::uint16_t>(h + step);
    if (((neighbour_bits ^ h) & 0x8000) != 0) continue;  // crossed the sign: no neighbour that way
    const double neighbour = decode(neighbour_bits);
    if (std::isnan(neighbour)) continue;
    const double d_got = std::fabs(x - got), d_other = std::fabs(x - neighbour);
    ASSERT_LE(d_got, d_other) << std::hexfloat << x;
    if (d_got == d_other) {
      ASSERT_EQ(h & 1, 0) << "tie must round to even: " << std::hexfloat << x;
    }
  }
}

TEST(HalfTest, F32ToBf16AndF16RoundToNearestEven) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<std::uint32_t> bits;
  for (int i = 0; i < 200000; ++i) {
    const float x = std::bit_cast<float>(bits(rng));
    if (!std::isfinite(x)) continue;
    expect_nearest_even(x, f32_to_bf16, bf16_to_f32);
    if (std::fabs(x) < 65504.0f) expect_nearest_even(x, f32_to_f16, f16_to_f32);
  }
  // Exact ties: halfway between two bf16 / f16 neighbours.
  EXPECT_EQ(f32_to_bf16(std::bit_cast<float>(0x3f808000u)), 0x3f80);  // tie, even stays
  EXPECT_EQ(f32_to_bf16(std::bit_cast<float>(0x3f818000u)), 0x3f82);  // tie, odd rounds up
  EXPECT_EQ(f32_to_f16(1.0f + std::ldexp(1.0f, -11)), 0x3c00);
  EXPECT_EQ(f32_to_f16(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
}

TEST(HalfTest, F16OverflowUnderflowAndSubnormals) {
  EXPECT_EQ(f32_to_f16(65504.0f), 0x7bff);
  EXPECT_EQ(f32_to_f16(65519.0f), 0x7bff);
  EXPECT_EQ(f32_to_f16(65520.0f), 0x7c00);  // halfway to 65536 ties to even: infinity
  EXPECT_EQ(f32_to_f16(-1e10f), 0xfc00);
  EXPECT_EQ(f32_to_f16(std::ldexp(1.0f, -25)), 0x0000);            // exactly half the smallest: even 0
  EXPECT_EQ(f32_to_f16(std::ldexp(1.5f, -25)), 0x0001);
  EXPECT_EQ(f32_to_f16(std::ldexp(1.0f, -24) * 1023), 0x03ff);      // largest subnormal
  EXPECT_EQ(f32_to_f16(std::ldexp(1.0f, -14) * (1 - 1.0f / 4096)), 0x0400);  // rounds up into normals
}

TEST(HalfTest, NaNStaysNaNWithItsSign) {
  // A binary32 NaN whose payload lives only in the low bits would truncate to infinity; the
  // conversion sets the quiet bit instead.
  const float low_payload_nan = std::bit_cast<float>(0xff800001u);
  EXPECT_EQ(f32_to_bf16(low_payload_nan), 0xffc0);
  EXPECT_EQ(f32_to_f16(low_payload_nan), 0xfe00);
  EXPECT_EQ(f32_to_bf16(std::bit_cast<float>(0x7fc12345u)), 0x7fc1);
  EXPECT_TRUE(std::isnan(bf16_to_f32(f32_to_bf16(std::nanf("")))));
}

}  // namespace
}  // namespace vidscope::tensor
