#include "analyzers/registry.h"

#include <gtest/gtest.h>

#include "analyzers/settings_reader.h"
#include "base/error.h"

namespace vidscope::analyzers {
namespace {

TEST(Registry, ListsTheThreeAnalyzersByTheirOwnNames) {
  std::vector<std::string> names;
  for (const AnalyzerEntry& entry : analyzer_registry()) {
    names.push_back(entry.name);
    const auto analyzer = entry.create();
    ASSERT_NE(analyzer, nullptr);
    EXPECT_EQ(analyzer->name(), entry.name);
    EXPECT_FALSE(analyzer->description().empty());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"shot_cuts", "color", "audio_loudness"}));
  EXPECT_EQ(default_analyzer_names(), names);
}

TEST(Registry, UnknownNameIsAUsageErrorListingKnownNames) {
  try {
    create_analyzer("shotcuts");
    FAIL() << "expected a usage error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kUsage);
    const std::string message = error.what();
    EXPECT_NE(message.find("shotcuts"), std::string::npos);
    EXPECT_NE(message.find("shot_cuts, color, audio_loudness"), std::string::npos);
  }
  EXPECT_EQ(create_analyzer("color")->name(), "color");
}

TEST(SettingsReader, RejectsNonObjectsAndWrongTypes) {
  EXPECT_THROW(SettingsReader("x", nlohmann::json::array()), Error);
  EXPECT_NO_THROW(SettingsReader("x", nullptr).reject_unknown_keys());
  SettingsReader reader("x", {{"n", 3.5}, {"i", 2.5}, {"b", 1}});
  EXPECT_DOUBLE_EQ(reader.number("n", 0, 0, 10), 3.5);
  EXPECT_THROW(reader.integer("i", 0, 0, 10), Error);
  EXPECT_THROW(reader.boolean("b", false), Error);
  EXPECT_THROW(reader.number("n", 0, 0, 1), Error);  // out of range
}

}  // namespace
}  // namespace vidscope::analyzers
