#pragma once
// Byte counts and their human spelling. Sizes are plain uint64 byte counts; these helpers read and
// write the binary-prefix forms users type ("800MiB", "12GiB", "1.5G").
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vidscope {

using Bytes = std::uint64_t;

constexpr Bytes kKiB = 1024;
constexpr Bytes kMiB = 1024 * kKiB;
constexpr Bytes kGiB = 1024 * kMiB;

// "1.5 GiB", "812.0 MiB", "17 B": three significant digits, binary prefixes.
std::string format_bytes(Bytes bytes);

// Parses "12GiB", "800MiB", "1.5G", "4096" (bytes), "2KB" (KB/MB/GB are read as binary too, as
// users of memory tools mean them). Returns nullopt on anything else, including negative or
// overflowing values.
std::optional<Bytes> parse_bytes(std::string_view text);

}  // namespace vidscope
