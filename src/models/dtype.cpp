#include "models/dtype.h"

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>

namespace vidscope::models {
namespace {

struct DTypeInfo {
  WeightDType dtype;
  std::string_view name;
  std::size_t size;
};

constexpr std::array<DTypeInfo, 8> kDTypes{{
    {WeightDType::kF32, "F32", 4},
    {WeightDType::kF16, "F16", 2},
    {WeightDType::kBF16, "BF16", 2},
    {WeightDType::kI8, "I8", 1},
    {WeightDType::kU8, "U8", 1},
    {WeightDType::kI32, "I32", 4},
    {WeightDType::kI64, "I64", 8},
    {WeightDType::kBool, "BOOL", 1},
}};

const DTypeInfo& info(WeightDType dtype) {
  for (const auto& entry : kDTypes) {
    if (entry.dtype == dtype) return entry;
  }
  return kDTypes[0];
}

}  // namespace

std::optional<WeightDType> parse_weight_dtype(std::string_view name) {
  for (const auto& entry : kDTypes) {
    if (entry.name == name) return entry.dtype;
  }
  return std::nullopt;
}

std::string_view weight_dtype_name(WeightDType dtype) { return info(dtype).name; }
std::size_t weight_dtype_size(WeightDType dtype) { return info(dtype).size; }

bool is_supported_weight_dtype(WeightDType dtype) {
  return dtype == WeightDType::kF32 || dtype == WeightDType::kF16 || dtype == WeightDType::kBF16;
}

float half_bits_to_float(std::uint16_t bits) {
  const std::uint32_t sign = (bits >> 15) & 1u;
  const std::uint32_t exponent = (bits >> 10) & 0x1fu;
  const std::uint32_t mantissa = bits & 0x3ffu;
  float magnitude;
  if (exponent == 0) {
    magnitude = std::ldexp(static_cast<float>(mantissa), -24);  // subnormal
  } else if (exponent == 31) {
    magnitude = mantissa == 0 ? INFINITY : NAN;
  } else {
    magnitude = std::ldexp(static_cast<float>(mantissa | 0x400u), static_cast<int>(exponent) - 25);
  }
  return sign ? -magnitude : magnitude;
}

float bfloat16_bits_to_float(std::uint16_t bits) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(bits) << 16);
}

}  // namespace vidscope::models
