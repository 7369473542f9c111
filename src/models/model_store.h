#pragma once
// Where models live on this machine. vidscope never downloads: a model is a directory the user already
// has (a Hugging Face snapshot), found through, in order,
//   1. an explicit directory (`--model DIR`),
//   2. a name in the config file's [models] table: $VIDSCOPE_CONFIG, else ~/.config/vidscope/config.toml
//      (relative paths resolve against the config file's directory, never the working directory),
//   3. a sub-directory of one of the directories listed in $VIDSCOPE_MODELS (colon-separated).
//
//   # config.toml
//   [models]
//   qwen2-vl-2b = "models/Qwen2-VL-2B-Instruct"
//   [analysis]
//   vlm = "qwen2-vl-2b"       # the model the VLM analyzers use when --model is not given
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace vidscope::models {

struct ModelLocation {
  std::string name;
  std::filesystem::path directory;  // absolute
  std::string source;               // "config <path>" or "VIDSCOPE_MODELS <dir>"
};

class ModelStore {
 public:
  // Reads the environment (VIDSCOPE_CONFIG, HOME, VIDSCOPE_MODELS). A missing config file is normal;
  // a broken one throws Error(kInput) naming it and the line.
  static ModelStore from_environment();
  // For tests and tools: an explicit config path (need not exist) and model search directories.
  static ModelStore open(const std::filesystem::path& config_file, std::vector<std::filesystem::path> search_dirs);

  std::vector<ModelLocation> list() const;

  // An existing directory is returned as is; otherwise the name is looked up. Throws Error(kInput) with
  // one message listing every place that was searched.
  std::filesystem::path resolve(const std::string& name_or_directory) const;

  // The model the VLM analyzers use by default ([analysis] vlm), if configured.
  std::optional<std::filesystem::path> default_vlm() const;

  // Records NAME -> DIR in the config file (created if missing, written atomically). DIR must be an
  // existing directory with a config.json; it is stored as an absolute path.
  void add(const std::string& name, const std::filesystem::path& directory);

  const std::filesystem::path& config_file() const { return config_file_; }

 private:
  std::filesystem::path config_file_;
  std::vector<std::filesystem::path> search_dirs_;
  std::vector<ModelLocation> configured_;
  std::optional<std::string> default_vlm_name_;
};

}  // namespace vidscope::models
