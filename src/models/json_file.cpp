#include "models/json_file.h"

#include <fstream>
#include <sstream>

#include "base/error.h"

namespace vidscope::models {

using nlohmann::json;

json read_json_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_input_error(path.string() + ": cannot open (missing file?)");
  std::stringstream buffer;
  buffer << in.rdbuf();
  try {
    return json::parse(buffer.str());
  } catch (const json::exception& e) {
    throw_input_error(path.string() + ": not valid JSON: " + e.what());
  }
}

JsonObject::JsonObject(const json& value, std::string file, std::string key_path)
    : value_(&value), file_(std::move(file)), key_path_(std::move(key_path)) {
  if (!value.is_object()) {
    throw_input_error(file_ + ": " + (key_path_.empty() ? std::string("top level") : "\"" + key_path_ + "\"") +
                      " must be a JSON object");
  }
}

std::string JsonObject::key_name(std::string_view key) const {
  return key_path_.empty() ? std::string(key) : key_path_ + "." + std::string(key);
}

void JsonObject::fail(std::string_view key, const std::string& what) const {
  throw_input_error(file_ + ": \"" + key_name(key) + "\" " + what);
}

const json* JsonObject::find(std::string_view key) const {
  auto it = value_->find(key);
  if (it == value_->end() || it->is_null()) return nullptr;
  return &*it;
}

bool JsonObject::has(std::string_view key) const { return find(key) != nullptr; }

std::optional<JsonObject> JsonObject::object(std::string_view key) const {
  const json* value = find(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_object()) fail(key, "must be an object");
  return JsonObject(*value, file_, key_name(key));
}

std::optional<std::int64_t> JsonObject::optional_int(std::string_view key) const {
  const json* value = find(key);
  if (value == nullptr) return std::nullopt;
  if (value->is_number_integer()) return value->get<std::int64_t>();
  // Some exporters write integral values as floats ("hidden_size": 1536.0).
  if (value->is_number_float()) {
    const double number = value->get<double>();
    if (number == static_cast<double>(static_cast<std::int64_t>(number))) return static_cast<std::int64_t>(number);
  }
  fail(key, "must be an integer, got " + value->dump());
}

std::optional<double> JsonObject::optional_number(std::string_view key) const {
  const json* value = find(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_number()) fail(key, "must be a number, got " + value->dump());
  return value->get<double>();
}

std::optional<bool> JsonObject::optional_bool(std::string_view key) const {
  const json* value = find(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_boolean()) fail(key, "must be true or false, got " + value->dump());
  return value->get<bool>();
}

std::optional<std::string> JsonObject::optional_string(std::string_view key) const {
  const json* value = find(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) fail(key, "must be a string, got " + value->dump());
  return value->get<std::string>();
}

std::optional<std::vector<std::int64_t>> JsonObject::optional_int_list(std::string_view key) const {
  const json* value = find(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_array()) fail(key, "must be a list of integers, got " + value->dump());
  std::vector<std::int64_t> list;
  for (const auto& item : *value) {
    if (!item.is_number_integer()) fail(key, "must be a list of integers, got " + value->dump());
    list.push_back(item.get<std::int64_t>());
  }
  return list;
}

std::optional<std::vector<double>> JsonObject::optional_number_list(std::string_view key) const {
  const json* value = find(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_array()) fail(key, "must be a list of numbers, got " + value->dump());
  std::vector<double> list;
  for (const auto& item : *value) {
    if (!item.is_number()) fail(key, "must be a list of numbers, got " + value->dump());
    list.push_back(item.get<double>());
  }
  return list;
}

std::int64_t JsonObject::required_int(std::string_view key) const {
  if (auto value = optional_int(key)) return *value;
  fail(key, "is missing");
}

double JsonObject::required_number(std::string_view key) const {
  if (auto value = optional_number(key)) return *value;
  fail(key, "is missing");
}

}  // namespace vidscope::models
