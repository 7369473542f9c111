#pragma once
// GPT-2's byte-to-character mapping used by byte-level BPE vocabularies (Hugging Face "ByteLevel"):
// printable bytes map to themselves, the other 68 bytes to U+0100 upward, so every byte string is a
// string of visible characters (a space becomes "Ġ", a newline "Ċ").
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vidscope::models {

class ByteLevelAlphabet {
 public:
  ByteLevelAlphabet();

  // UTF-8 of the character that stands for `byte`.
  const std::string& char_for_byte(std::uint8_t byte) const { return chars_[byte]; }
  // Maps every byte of `bytes` to its character.
  std::string encode(std::string_view bytes) const;
  // Inverse mapping of a vocabulary token; nullopt when the token has a character outside the alphabet.
  std::optional<std::string> decode(std::string_view token) const;

 private:
  std::array<std::string, 256> chars_;
  std::array<std::int16_t, 324> byte_for_codepoint_{};  // -1 where no byte maps; 324 > max code point U+0143
};

const ByteLevelAlphabet& byte_level_alphabet();

}  // namespace vidscope::models
