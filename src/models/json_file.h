#pragma once
// Reading the small JSON files of a model folder with errors that name the file and the key.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace vidscope::models {

// Parses `path`. Throws vidscope::Error (kind input) naming the file when missing or not JSON.
nlohmann::json read_json_file(const std::filesystem::path& path);

// Typed access to one JSON object; every error names the file and the key path ("text_config.hidden_size").
class JsonObject {
 public:
  // Throws vidscope::Error (kind input) unless `value` is an object.
  JsonObject(const nlohmann::json& value, std::string file, std::string key_path = "");

  bool has(std::string_view key) const;
  std::optional<JsonObject> object(std::string_view key) const;

  std::optional<std::int64_t> optional_int(std::string_view key) const;
  std::optional<double> optional_number(std::string_view key) const;
  std::optional<bool> optional_bool(std::string_view key) const;
  std::optional<std::string> optional_string(std::string_view key) const;
  std::optional<std::vector<std::int64_t>> optional_int_list(std::string_view key) const;
  std::optional<std::vector<double>> optional_number_list(std::string_view key) const;

  std::int64_t required_int(std::string_view key) const;
  double required_number(std::string_view key) const;

  const nlohmann::json& raw() const { return *value_; }
  const std::string& file() const { return file_; }
  std::string key_name(std::string_view key) const;
  [[noreturn]] void fail(std::string_view key, const std::string& what) const;

 private:
  const nlohmann::json* find(std::string_view key) const;

  const nlohmann::json* value_;
  std::string file_;
  std::string key_path_;
};

}  // namespace vidscope::models
