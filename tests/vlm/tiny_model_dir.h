#pragma once
// A tiny Qwen2-VL model folder that can describe: the seed-0 f32 checkpoint of tests/data/vlm plus the
// cut-down tokenizer (tests/data/vlm/tokenizer-tiny, ids matching the checkpoint's special tokens),
// linked into a fresh temporary folder.
#include <unistd.h>

#include <filesystem>
#include <string>

namespace vidscope::testing {

inline std::filesystem::path make_tiny_describing_model(const std::string& name) {
  namespace fs = std::filesystem;
  const fs::path data = fs::path(VIDSCOPE_TEST_DATA_DIR) / "vlm";
  const fs::path dir = fs::temp_directory_path() / ("vidscope-tiny-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const auto& entry : fs::directory_iterator(data / "ckpt-s0-f32")) {
    fs::create_symlink(fs::absolute(entry.path()), dir / entry.path().filename());
  }
  fs::create_symlink(fs::absolute(data / "tokenizer-tiny" / "tokenizer.json"), dir / "tokenizer.json");
  return dir;
}

}  // namespace vidscope::testing
