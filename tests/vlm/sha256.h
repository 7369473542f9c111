#pragma once
// SHA-256 (FIPS 180-4) for comparing test outputs with hashes recorded in fixtures.
#include <cstdint>
#include <span>
#include <string>

namespace vidscope::vlm::test {

// Lower-case hex digest of `bytes`.
std::string sha256_hex(std::span<const std::uint8_t> bytes);

}  // namespace vidscope::vlm::test
