#include "models/byte_level.h"

namespace vidscope::models {
namespace {

std::string utf8_of(std::uint32_t codepoint) {
  std::string out;
  if (codepoint < 0x80) {
    out += static_cast<char>(codepoint);
  } else {  // the alphabet stays below U+0800
    out += static_cast<char>(0xC0 | (codepoint >> 6));
    out += static_cast<char>(0x80 | (codepoint & 0x3F));
  }
  return out;
}

bool is_printable_byte(int b) {
  return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

}  // namespace

ByteLevelAlphabet::ByteLevelAlphabet() {
  byte_for_codepoint_.fill(-1);
  std::uint32_t next = 256;
  for (int b = 0; b < 256; ++b) {
    const std::uint32_t codepoint = is_printable_byte(b) ? static_cast<std::uint32_t>(b) : next++;
    chars_[b] = utf8_of(codepoint);
    byte_for_codepoint_[codepoint] = static_cast<std::int16_t>(b);
  }
}

std::string ByteLevelAlphabet::encode(std::string_view bytes) const {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) out += chars_[static_cast<std::uint8_t>(c)];
  return out;
}

std::optional<std::string> ByteLevelAlphabet::decode(std::string_view token) const {
  std::string out;
  out.reserve(token.size());
  std::size_t i = 0;
  while (i < token.size()) {
    const auto lead = static_cast<unsigned char>(token[i]);
    std::uint32_t codepoint;
    if (lead < 0x80) {
      codepoint = lead;
      i += 1;
    } else if ((lead & 0xE0) == 0xC0 && i + 1 < token.size()) {
      codepoint = ((lead & 0x1Fu) << 6) | (static_cast<unsigned char>(token[i + 1]) & 0x3Fu);
      i += 2;
    } else {
      return std::nullopt;
    }
    if (codepoint >= byte_for_codepoint_.size() || byte_for_codepoint_[codepoint] < 0) return std::nullopt;
    out += static_cast<char>(byte_for_codepoint_[codepoint]);
  }
  return out;
}

const ByteLevelAlphabet& byte_level_alphabet() {
  static const ByteLevelAlphabet alphabet;
  return alphabet;
}

}  // namespace vidscope::models
