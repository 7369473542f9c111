#include "models/model_store.h"

#include <cstdlib>
#include <sstream>

#include <toml.hpp>

#include "base/atomic_file.h"
#include "base/error.h"

namespace vidscope::models {

namespace fs = std::filesystem;

namespace {

fs::path default_config_file() {
  if (const char* explicit_path = std::getenv("VIDSCOPE_CONFIG"); explicit_path && *explicit_path) {
    return explicit_path;
  }
  const char* home = std::getenv("HOME");
  return fs::path(home && *home ? home : ".") / ".config" / "vidscope" / "config.toml";
}

std::vector<fs::path> search_dirs_from_environment() {
  std::vector<fs::path> dirs;
  const char* value = std::getenv("VIDSCOPE_MODELS");
  if (!value) return dirs;
  std::stringstream list(value);
  std::string entry;
  while (std::getline(list, entry, ':')) {
    if (!entry.empty()) dirs.emplace_back(entry);
  }
  return dirs;
}

toml::value read_config(const fs::path& file) {
  if (!fs::exists(file)) return toml::value(toml::table{});
  try {
    return toml::parse(file.string());
  } catch (const std::exception& e) {
    throw_input_error("config file '" + file.string() + "' is not valid TOML: " + e.what());
  }
}

bool looks_like_model(const fs::path& dir) { return fs::is_regular_file(dir / "config.json"); }

}  // namespace

ModelStore ModelStore::from_environment() { return open(default_config_file(), search_dirs_from_environment()); }

ModelStore ModelStore::open(const fs::path& config_file, std::vector<fs::path> search_dirs) {
  ModelStore store;
  store.config_file_ = config_file;
  store.search_dirs_ = std::move(search_dirs);
  const auto config = read_config(config_file);
  const auto base = fs::absolute(config_file).parent_path();
  try {
    if (config.contains("models")) {
      for (const auto& [name, value] : toml::find<toml::table>(config, "models")) {
        const fs::path path(toml::get<std::string>(value));
        store.configured_.push_back(
            {name, (path.is_absolute() ? path : base / path).lexically_normal(), "config " + config_file.string()});
      }
    }
    if (config.contains("analysis")) {
      const auto& analysis = toml::find(config, "analysis");
      if (analysis.contains("vlm")) store.default_vlm_name_ = toml::find<std::string>(analysis, "vlm");
    }
  } catch (const std::exception& e) {
    throw_input_error("config file '" + config_file.string() + "': " + e.what() +
                      " (expected [models] name = \"path\" entries and [analysis] vlm = \"name\")");
  }
  return store;
}

std::vector<ModelLocation> ModelStore::list() const {
  std::vector<ModelLocation> all = configured_;
  for (const auto& dir : search_dirs_) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.is_directory() && looks_like_model(entry.path())) {
        all.push_back({entry.path().filename().string(), fs::absolute(entry.path()), "VIDSCOPE_MODELS " + dir.string()});
      }
    }
  }
  return all;
}

fs::path ModelStore::resolve(const std::string& name_or_directory) const {
  const fs::path as_path(name_or_directory);
  if (fs::is_directory(as_path)) return fs::absolute(as_path);
  std::vector<std::string> looked = {"the directory '" + name_or_directory + "' (does not exist)"};
  for (const auto& model : configured_) {
    if (model.name == name_or_directory) {
      if (fs::is_directory(model.directory)) return model.directory;
      looked.push_back(model.source + ": '" + model.directory.string() + "' (configured, but missing)");
    }
  }
  if (configured_.empty()) looked.push_back("config file '" + config_file_.string() + "' (no [models] entries)");
  else looked.push_back("config file '" + config_file_.string() + "' (no model named '" + name_or_directory + "')");
  for (const auto& dir : search_dirs_) {
    const auto candidate = dir / name_or_directory;
    if (fs::is_directory(candidate)) return fs::absolute(candidate);
    looked.push_back("VIDSCOPE_MODELS entry '" + candidate.string() + "'");
  }
  if (search_dirs_.empty()) looked.push_back("$VIDSCOPE_MODELS (not set)");
  std::string message = "model '" + name_or_directory + "' not found (vidscope never downloads models). Looked in:";
  for (const auto& place : looked) message += "\n  - " + place;
  message += "\nGive a model directory with --model DIR, or register one with `vidscope models add NAME DIR`.";
  throw_input_error(message);
}

std::optional<fs::path> ModelStore::default_vlm() const {
  if (!default_vlm_name_) return std::nullopt;
  return resolve(*default_vlm_name_);
}

void ModelStore::add(const std::string& name, const fs::path& directory) {
  if (name.empty() || name.find_first_of(" \t\n\"=[]") != std::string::npos) {
    throw_usage_error("model name '" + name + "' must be a single word without quotes, brackets or '='");
  }
  if (!fs::is_directory(directory)) throw_input_error("'" + directory.string() + "' is not a directory");
  if (!looks_like_model(directory)) {
    throw_input_error("'" + directory.string() + "' has no config.json: not a Hugging Face model directory");
  }
  auto config = read_config(config_file_);
  if (!config.contains("models")) config["models"] = toml::table{};
  config["models"][name] = fs::absolute(directory).lexically_normal().string();
  std::ostringstream text;
  text << config;
  fs::create_directories(fs::absolute(config_file_).parent_path());
  write_file_atomically(config_file_, text.str());
  configured_.erase(std::remove_if(configured_.begin(), configured_.end(), [&](const auto& m) { return m.name == name; }),
                    configured_.end());
  configured_.push_back({name, fs::absolute(directory).lexically_normal(), "config " + config_file_.string()});
}

}  // namespace vidscope::models
