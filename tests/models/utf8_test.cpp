#include "models/utf8.h"

#include <gtest/gtest.h>

#include "models/byte_level.h"

namespace vidscope::models {
namespace {

TEST(Utf8, FindsFirstInvalidByte) {
  EXPECT_FALSE(find_invalid_utf8("plain \xE4\xB8\xAD \xF0\x9F\x8E\xAC"));
  EXPECT_EQ(find_invalid_utf8("ab\xC0\x80"), 2u);       // overlong
  EXPECT_EQ(find_invalid_utf8("\xED\xA0\x80"), 0u);     // surrogate
  EXPECT_EQ(find_invalid_utf8("x\xF0\x9F"), 1u);        // cut short
}

TEST(Utf8, LossyReplacesMaximalSubparts) {
  EXPECT_EQ(utf8_lossy("a\xF0\x9F\x8E" "b"), "a\xEF\xBF\xBD" "b");  // one U+FFFD for the truncated emoji
  EXPECT_EQ(utf8_lossy("\x80\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(utf8_lossy("ok"), "ok");
}

TEST(Utf8, CompletePrefixStopsBeforeUnfinishedCharacter) {
  EXPECT_EQ(complete_utf8_prefix("ab\xF0\x9F\x8E"), 2u);
  EXPECT_EQ(complete_utf8_prefix("ab\xF0\x9F\x8E\xAC"), 6u);
  EXPECT_EQ(complete_utf8_prefix("ab\x80"), 3u);  // invalid, not unfinished
}

TEST(Utf8, NfcComposes) { EXPECT_EQ(normalize_nfc("e\xCC\x81"), "\xC3\xA9"); }

TEST(ByteLevel, MapsEveryByteAndBack) {
  const auto& alphabet = byte_level_alphabet();
  EXPECT_EQ(alphabet.char_for_byte(' '), "Ġ");
  EXPECT_EQ(alphabet.char_for_byte('\n'), "Ċ");
  EXPECT_EQ(alphabet.char_for_byte('A'), "A");
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  EXPECT_EQ(alphabet.decode(alphabet.encode(all)), all);
  EXPECT_FALSE(alphabet.decode("\xE4\xB8\xAD"));  // a character outside the alphabet
}

}  // namespace
}  // namespace vidscope::models
