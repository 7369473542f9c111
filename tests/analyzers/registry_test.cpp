#include "analyzers/registry.h"

#include <gtest/gtest.h>

#include <set>

#include "analyzers/settings_reader.h"
#include "base/error.h"

namespace vidscope::analyzers {
namespace {

TEST(Registry, EveryAnalyzerIsCreatableUnderItsOwnUniqueName) {
  std::vector<std::string> names;
  std::vector<std::string> defaults;
  for (const AnalyzerEntry& entry : analyzer_registry()) {
    names.push_back(entry.name);
    if (entry.default_enabled) defaults.push_back(entry.name);
    const auto analyzer = entry.create();
    ASSERT_NE(analyzer, nullptr);
    EXPECT_EQ(analyzer->name(), entry.name);
    EXPECT_FALSE(analyzer->description().empty());
  }
  // The foundation analyzers come first, in this order; later ones follow.
  ASSERT_GE(names.size(), 3u);
  EXPECT_EQ(std::vector<std::string>(names.begin(), names.begin() + 3),
            (std::vector<std::string>{"shot_cuts", "color", "audio_loudness"}));
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size()) << "duplicate names";
  EXPECT_EQ(default_analyzer_names(), defaults);
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
