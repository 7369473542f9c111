#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "memory/profile_store.h"

namespace vidscope::memory {
namespace {

class ProfileStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vidscope-profiles-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path file() const { return dir_ / "nested" / "step-profiles.json"; }
  void write(const std::string& text) {
    std::filesystem::create_directories(file().parent_path());
    std::ofstream(file()) << text;
  }
  nlohmann::json read_back() const {
    std::ifstream in(file());
    return nlohmann::json::parse(in);
  }

  std::filesystem::path dir_;
};

TEST_F(ProfileStoreTest, MissingFileIsAnEmptyStoreAndSaveCreatesItsFolder) {
  std::vector<std::string> warnings;
  ProfileStore store = ProfileStore::open(file(), warnings);
  EXPECT_TRUE(warnings.empty());
  EXPECT_TRUE(store.enabled());
  EXPECT_EQ(store.size(), 0u);
  EXPECT_FALSE(store.find("faces|x").has_value());

  store.record("faces|x", 40 << 20, 64 << 20, 12);
  store.save(warnings);
  EXPECT_TRUE(warnings.empty());
  const nlohmann::json json = read_back();
  EXPECT_EQ(json["format"], "vidscope-step-profiles");
  EXPECT_EQ(json["version"], 1);
  EXPECT_EQ(json["entries"]["faces|x"]["measured_bytes"], 40u << 20);
  EXPECT_EQ(json["entries"]["faces|x"]["declared_bytes"], 64u << 20);
  EXPECT_EQ(json["entries"]["faces|x"]["steps"], 12);
  EXPECT_EQ(json["entries"]["faces|x"]["runs"], 1);
}

TEST_F(ProfileStoreTest, ASecondRunFindsTheMeasurementAndCountsRuns) {
  std::vector<std::string> warnings;
  {
    ProfileStore first = ProfileStore::open(file(), warnings);
    first.record("k", 1000, 10, 3);
    first.save(warnings);
  }
  ProfileStore second = ProfileStore::open(file(), warnings);
  const auto profile = second.find("k");
  ASSERT_TRUE(profile.has_value());
  EXPECT_EQ(profile->measured_bytes, 1000u);
  EXPECT_EQ(profile->declared_bytes, 10u);
  EXPECT_EQ(profile->steps, 3);
  EXPECT_EQ(profile->runs, 1);
  EXPECT_FALSE(profile->updated.empty());
  // The latest measurement replaces the earlier one (it may be smaller: a store must not only ratchet up).
  second.record("k", 500, 10, 4);
  second.save(warnings);
  EXPECT_TRUE(warnings.empty());
  const auto updated = ProfileStore::open(file(), warnings).find("k");
  ASSERT_TRUE(updated.has_value());
  EXPECT_EQ(updated->measured_bytes, 500u);
  EXPECT_EQ(updated->runs, 2);
}

TEST_F(ProfileStoreTest, ConcurrentRunsKeepEachOthersEntries) {
  std::vector<std::string> warnings;
  ProfileStore a = ProfileStore::open(file(), warnings);
  ProfileStore b = ProfileStore::open(file(), warnings);  // both opened before either saved
  a.record("a", 1, 1, 1);
  b.record("b", 2, 2, 2);
  a.save(warnings);
  b.save(warnings);
  EXPECT_TRUE(warnings.empty());
  ProfileStore merged = ProfileStore::open(file(), warnings);
  EXPECT_TRUE(merged.find("a").has_value());
  EXPECT_TRUE(merged.find("b").has_value());
  EXPECT_EQ(merged.size(), 2u);
}

TEST_F(ProfileStoreTest, BadFilesAreIgnoredWithAWarningAndReplacedOnSave) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{\"format\": \"vidscope-step-prof", "not valid JSON"},
      {"[1, 2, 3]", "not a vidscope-step-profiles file"},
      {R"({"format": "something-else", "version": 1, "entries": {}})", "not a vidscope-step-profiles file"},
      {R"({"format": "vidscope-step-profiles", "version": 99, "entries": {}})", "version 99"},
      {R"({"format": "vidscope-step-profiles", "version": 1})", "no \"entries\""},
  };
  for (const auto& [text, reason] : cases) {
    SCOPED_TRACE(text);
    write(text);
    std::vector<std::string> warnings;
    ProfileStore store = ProfileStore::open(file(), warnings);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find(reason), std::string::npos) << warnings[0];
    EXPECT_NE(warnings[0].find(file().string()), std::string::npos) << warnings[0];
    EXPECT_EQ(store.size(), 0u);
    store.record("k", 7, 7, 1);
    store.save(warnings);
    EXPECT_EQ(warnings.size(), 1u);  // saving over a corrupt file is not a second problem
    EXPECT_EQ(read_back()["entries"]["k"]["measured_bytes"], 7);
  }
}

TEST_F(ProfileStoreTest, MalformedEntriesAreSkippedAndTheRestKept) {
  write(R"({"format": "vidscope-step-profiles", "version": 1, "entries": {
    "good": {"measured_bytes": 123, "declared_bytes": 4, "steps": 2, "runs": 5, "updated": "2026-01-01T00:00:00Z"},
    "negative": {"measured_bytes": -5},
    "text": {"measured_bytes": "lots"},
    "not-an-object": 17}})");
  std::vector<std::string> warnings;
  ProfileStore store = ProfileStore::open(file(), warnings);
  EXPECT_TRUE(warnings.empty());
  EXPECT_EQ(store.size(), 1u);
  ASSERT_TRUE(store.find("good").has_value());
  EXPECT_EQ(store.find("good")->runs, 5);
}

TEST_F(ProfileStoreTest, AnAbsurdlyLargeFileIsNotRead) {
  write(std::string(5u << 20, ' '));
  std::vector<std::string> warnings;
  ProfileStore store = ProfileStore::open(file(), warnings);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("more than a store ever holds"), std::string::npos) << warnings[0];
}

TEST_F(ProfileStoreTest, KeepsOnlyTheMostRecentlyUpdatedEntries) {
  nlohmann::json entries = nlohmann::json::object();
  for (std::size_t i = 0; i < ProfileStore::kMaxEntries; ++i) {
    entries["old" + std::to_string(i)] = {{"measured_bytes", i}, {"updated", "2020-01-01T00:00:00Z"}};
  }
  entries["oldest"] = {{"measured_bytes", 1}, {"updated", "2019-01-01T00:00:00Z"}};
  write(nlohmann::json{{"format", "vidscope-step-profiles"}, {"version", 1}, {"entries", entries}}.dump());
  std::vector<std::string> warnings;
  ProfileStore store = ProfileStore::open(file(), warnings);
  store.record("new", 1, 1, 1);
  store.save(warnings);
  ProfileStore reread = ProfileStore::open(file(), warnings);
  EXPECT_EQ(reread.size(), ProfileStore::kMaxEntries);
  EXPECT_TRUE(reread.find("new").has_value());
  EXPECT_FALSE(reread.find("oldest").has_value());
  EXPECT_FALSE(reread.find("old0").has_value());  // same age as the others: dropped by key order
}

TEST_F(ProfileStoreTest, AnUnwritableLocationIsAWarningNotAFailure) {
  write("{}");
  std::vector<std::string> warnings;
  // A store path below a regular file: its folder can never be created.
  ProfileStore store = ProfileStore::open(file() / "below-a-file.json", warnings);
  store.record("k", 1, 1, 1);
  store.save(warnings);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("was not saved"), std::string::npos) << warnings[0];
}

TEST_F(ProfileStoreTest, ADisabledStoreRemembersAndWritesNothing) {
  std::vector<std::string> warnings;
  ProfileStore store;
  EXPECT_FALSE(store.enabled());
  store.record("k", 1, 1, 1);
  EXPECT_FALSE(store.find("k").has_value());
  store.save(warnings);
  EXPECT_TRUE(warnings.empty());
}

TEST(DefaultProfileStorePath, FollowsTheEnvironment) {
  const auto saved = [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    return v ? std::optional<std::string>(v) : std::nullopt;
  };
  const auto restore = [](const char* name, const std::optional<std::string>& value) {
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  };
  const auto store_env = saved("VIDSCOPE_PROFILE_STORE");
  const auto state_env = saved("XDG_STATE_HOME");
  const auto home_env = saved("HOME");

  ::setenv("VIDSCOPE_PROFILE_STORE", "/tmp/x/profiles.json", 1);
  EXPECT_EQ(default_profile_store_path(), "/tmp/x/profiles.json");
  ::setenv("VIDSCOPE_PROFILE_STORE", "off", 1);
  EXPECT_TRUE(default_profile_store_path().empty());
  ::unsetenv("VIDSCOPE_PROFILE_STORE");
  ::setenv("XDG_STATE_HOME", "/state", 1);
  EXPECT_EQ(default_profile_store_path(), "/state/vidscope/step-profiles.json");
  ::setenv("XDG_STATE_HOME", "relative/ignored", 1);  // the XDG spec says relative values are invalid
  ::setenv("HOME", "/home/u", 1);
  EXPECT_EQ(default_profile_store_path(), "/home/u/.local/state/vidscope/step-profiles.json");
  ::unsetenv("XDG_STATE_HOME");
  ::unsetenv("HOME");
  EXPECT_TRUE(default_profile_store_path().empty());

  restore("VIDSCOPE_PROFILE_STORE", store_env);
  restore("XDG_STATE_HOME", state_env);
  restore("HOME", home_env);
}

}  // namespace
}  // namespace vidscope::memory
