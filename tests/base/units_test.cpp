#include <gtest/gtest.h>

#include "base/units.h"

namespace vidscope {
namespace {

TEST(ParseBytes, AcceptsBinaryPrefixesAndPlainNumbers) {
  EXPECT_EQ(parse_bytes("12GiB"), 12 * kGiB);
  EXPECT_EQ(parse_bytes("800MiB"), 800 * kMiB);
  EXPECT_EQ(parse_bytes("1.5G"), kGiB + kGiB / 2);
  EXPECT_EQ(parse_bytes("4096"), Bytes{4096});
  EXPECT_EQ(parse_bytes(" 2 kb "), 2 * kKiB);
}

TEST(ParseBytes, RejectsGarbageNegativeAndOverflow) {
  EXPECT_FALSE(parse_bytes(""));
  EXPECT_FALSE(parse_bytes("-1GiB"));
  EXPECT_FALSE(parse_bytes("GiB"));
  EXPECT_FALSE(parse_bytes("12 parsecs"));
  EXPECT_FALSE(parse_bytes("1.2.3G"));
  EXPECT_FALSE(parse_bytes("99999999999T"));
}

TEST(FormatBytes, UsesThreeSignificantDigits) {
  EXPECT_EQ(format_bytes(17), "17 B");
  EXPECT_EQ(format_bytes(1536 * kKiB), "1.50 MiB");
  EXPECT_EQ(format_bytes(12 * kGiB), "12.0 GiB");
  EXPECT_EQ(format_bytes(300 * kMiB), "300 MiB");
}

}  // namespace
}  // namespace vidscope
