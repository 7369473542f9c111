#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "models/model_store.h"

namespace vidscope::models {
namespace {

namespace fs = std::filesystem;

class ModelStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("vidscope_store_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                                         "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "conf" / "models" / "tiny");
    std::ofstream(root_ / "conf" / "models" / "tiny" / "config.json") << "{}";
    fs::create_directories(root_ / "search" / "other");
    std::ofstream(root_ / "search" / "other" / "config.json") << "{}";
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
};

TEST_F(ModelStoreTest, RelativePathsResolveAgainstTheConfigFileNotTheWorkingDirectory) {
  std::ofstream(root_ / "conf" / "config.toml") << "[models]\ntiny = \"models/tiny\"\n[analysis]\nvlm = \"tiny\"\n";
  const auto store = ModelStore::open(root_ / "conf" / "config.toml", {});
  EXPECT_EQ(store.resolve("tiny"), (root_ / "conf" / "models" / "tiny").lexically_normal());
  ASSERT_TRUE(store.default_vlm());
  EXPECT_EQ(*store.default_vlm(), (root_ / "conf" / "models" / "tiny").lexically_normal());
}

TEST_F(ModelStoreTest, SearchDirectoriesListModelsByFolderName) {
  const auto store = ModelStore::open(root_ / "absent.toml", {root_ / "search"});
  const auto all = store.list();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].name, "other");
  EXPECT_EQ(store.resolve("other"), fs::absolute(root_ / "search" / "other"));
}

TEST_F(ModelStoreTest, MissingModelListsEveryPlaceSearched) {
  std::ofstream(root_ / "conf" / "config.toml") << "[models]\ngone = \"nowhere\"\n";
  const auto store = ModelStore::open(root_ / "conf" / "config.toml", {root_ / "search"});
  try {
    store.resolve("gone");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    const std::string message = e.what();
    EXPECT_NE(message.find("never downloads"), std::string::npos) << message;
    EXPECT_NE(message.find("configured, but missing"), std::string::npos) << message;
    EXPECT_NE(message.find((root_ / "search" / "gone").string()), std::string::npos) << message;
  }
}

TEST_F(ModelStoreTest, AddWritesTheConfigAndSurvivesReopening) {
  const auto config = root_ / "new" / "config.toml";
  auto store = ModelStore::open(config, {});
  store.add("tiny", root_ / "conf" / "models" / "tiny");
  const auto reopened = ModelStore::open(config, {});
  EXPECT_EQ(reopened.resolve("tiny"), fs::absolute(root_ / "conf" / "models" / "tiny").lexically_normal());
  EXPECT_THROW(store.add("bad name", root_ / "conf" / "models" / "tiny"), Error);
  EXPECT_THROW(store.add("x", root_ / "search"), Error);  // no config.json there
}

TEST_F(ModelStoreTest, BrokenConfigFileIsAnInputErrorNamingIt) {
  std::ofstream(root_ / "conf" / "config.toml") << "[models\nx = ";
  try {
    ModelStore::open(root_ / "conf" / "config.toml", {});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(std::string(e.what()).find("config.toml"), std::string::npos);
  }
}

}  // namespace
}  // namespace vidscope::models
