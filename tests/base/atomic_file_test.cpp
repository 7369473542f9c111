#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/atomic_file.h"
#include "base/error.h"

namespace vidscope {
namespace {

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(WriteFileAtomically, ReplacesContentAndLeavesNoTemporaries) {
  const auto dir = std::filesystem::temp_directory_path() / "vidscope_atomic_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto target = dir / "report.json";
  write_file_atomically(target, "first");
  write_file_atomically(target, "second");
  EXPECT_EQ(read_all(target), "second");
  size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++entries;
  EXPECT_EQ(entries, 1u);
  std::filesystem::remove_all(dir);
}

TEST(WriteFileAtomically, MissingDirectoryIsAnInputErrorNamingThePath) {
  try {
    write_file_atomically("/nonexistent-dir-vidscope/x.json", "x");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir-vidscope/x.json"), std::string::npos);
  }
}

}  // namespace
}  // namespace vidscope
