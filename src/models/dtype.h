#pragma once
// Element types that can appear in a safetensors header. Only the floating types are loadable as
// weights; the integer ones are recognized so that an error can say "I8 weights are not supported"
// instead of "unknown dtype".
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace vidscope::models {

enum class WeightDType { kF32, kF16, kBF16, kI8, kU8, kI32, kI64, kBool };

// The safetensors spelling ("F32", "BF16", ...); nullopt for anything else.
std::optional<WeightDType> parse_weight_dtype(std::string_view name);
std::string_view weight_dtype_name(WeightDType dtype);
std::size_t weight_dtype_size(WeightDType dtype);
// True for the element types the weight loaders accept (F32, F16, BF16).
bool is_supported_weight_dtype(WeightDType dtype);

// IEEE half and bfloat16 bit patterns to float; exact (every value is representable in float).
float half_bits_to_float(std::uint16_t bits);
float bfloat16_bits_to_float(std::uint16_t bits);

}  // namespace vidscope::models
