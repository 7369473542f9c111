#pragma once
// Runs the real `vidscope` binary (VIDSCOPE_CLI) the way a user does and reads what it wrote.
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

namespace vidscope::testing {

struct Outcome {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

inline Outcome run_cli(const std::string& args, const std::string& environment = "") {
  const std::string command = environment + " " + std::string(VIDSCOPE_CLI) + " " + args + " 2>&1";
  Outcome outcome;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return outcome;
  std::array<char, 4096> buffer{};
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) outcome.output.append(buffer.data(), n);
  const int status = pclose(pipe);
  outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return outcome;
}

inline std::string media(const std::string& name) { return std::string(VIDSCOPE_GENERATED_MEDIA_DIR) + "/" + name; }

inline std::filesystem::path scratch_dir() {
  const auto dir = std::filesystem::temp_directory_path() / ("vidscope_cli_test_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

inline nlohmann::json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

}  // namespace vidscope::testing
