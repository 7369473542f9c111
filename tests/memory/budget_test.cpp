#include <gtest/gtest.h>

#include "base/error.h"
#include "memory/budget.h"

namespace vidscope::memory {
namespace {

TEST(BudgetSpec, ParsesAbsoluteSizes) {
  EXPECT_EQ(BudgetSpec::parse("12GiB").resolve(0), 12 * kGiB);
  EXPECT_EQ(BudgetSpec::parse("800MiB").resolve(0), 800 * kMiB);
  EXPECT_EQ(BudgetSpec::parse("1.5G").resolve(0), kGiB + kGiB / 2);
  EXPECT_EQ(BudgetSpec::parse(" 4096 ").resolve(0), Bytes{4096});
}

TEST(BudgetSpec, ParsesPercentOfCapacity) {
  const BudgetSpec spec = BudgetSpec::parse("80%");
  EXPECT_FALSE(spec.is_unlimited());
  EXPECT_EQ(spec.resolve(10 * kGiB), 8 * kGiB);
  EXPECT_EQ(BudgetSpec::parse("100%").resolve(1000), Bytes{1000});
  EXPECT_EQ(BudgetSpec::parse("12.5%").resolve(800), Bytes{100});
}

TEST(BudgetSpec, UnlimitedResolvesToNothing) {
  EXPECT_TRUE(BudgetSpec::unlimited().is_unlimited());
  EXPECT_FALSE(BudgetSpec::unlimited().resolve(kGiB));
  EXPECT_TRUE(BudgetSpec::parse("unlimited").is_unlimited());
  EXPECT_EQ(BudgetSpec::unlimited().to_string(), "unlimited");
}

TEST(BudgetSpec, ToStringRoundTrips) {
  for (const char* text : {"12GiB", "800MiB", "80%", "12.5%", "4097", "3KiB"}) {
    const BudgetSpec spec = BudgetSpec::parse(text);
    EXPECT_EQ(spec.to_string(), text);
    EXPECT_EQ(BudgetSpec::parse(spec.to_string()).resolve(kGiB), spec.resolve(kGiB)) << text;
  }
  EXPECT_EQ(BudgetSpec::parse("1.5G").to_string(), "1536MiB");
}

void expect_usage_error_listing_forms(const char* text) {
  try {
    BudgetSpec::parse(text);
    ADD_FAILURE() << "'" << text << "' was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage) << text;
    const std::string message = e.what();
    EXPECT_NE(message.find(std::string("'") + text + "'"), std::string::npos) << message;
    EXPECT_NE(message.find("12GiB"), std::string::npos) << message;
    EXPECT_NE(message.find("80%"), std::string::npos) << message;
  }
}

TEST(BudgetSpec, RejectsZeroNegativeOutOfRangeAndGarbage) {
  for (const char* text : {"0", "0GiB", "0%", "-1GiB", "-5%", "101%", "150%", "", "lots", "12 parsecs",
                           "%", "abc%", "1.2.3G", "nan%", "inf%"}) {
    expect_usage_error_listing_forms(text);
  }
}

TEST(BudgetSpec, FactoriesRejectNonsense) {
  EXPECT_THROW(BudgetSpec::absolute(0), Error);
  EXPECT_THROW(BudgetSpec::percent(0), Error);
  EXPECT_THROW(BudgetSpec::percent(100.01), Error);
  EXPECT_EQ(BudgetSpec::percent(50).resolve(200), Bytes{100});
}

}  // namespace
}  // namespace vidscope::memory
