#include "analyzers/settings_reader.h"

#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/error.h"

namespace vidscope::analyzers {

SettingsReader::SettingsReader(std::string analyzer_name, const nlohmann::json& settings)
    : analyzer_name_(std::move(analyzer_name)),
      settings_(settings.is_null() ? nlohmann::json::object() : settings) {
  if (!settings_.is_object()) {
    throw_usage_error(fmt::format("settings for analyzer '{}' must be a JSON object, got {}", analyzer_name_,
                                  settings_.type_name()));
  }
}

const nlohmann::json* SettingsReader::find(const std::string& key) {
  known_keys_.insert(key);
  const auto it = settings_.find(key);
  return it == settings_.end() ? nullptr : &*it;
}

double SettingsReader::number(const std::string& key, double fallback, double min, double max) {
  const nlohmann::json* value = find(key);
  if (value == nullptr) return fallback;
  if (!value->is_number()) {
    throw_usage_error(fmt::format("analyzer '{}': setting '{}' must be a number, got {}", analyzer_name_, key,
                                  value->dump()));
  }
  const double number = value->get<double>();
  if (!std::isfinite(number) || number < min || number > max) {
    throw_usage_error(fmt::format("analyzer '{}': setting '{}' = {} is outside [{}, {}]", analyzer_name_, key,
                                  number, min, max));
  }
  return number;
}

int SettingsReader::integer(const std::string& key, int fallback, int min, int max) {
  const nlohmann::json* value = find(key);
  if (value == nullptr) return fallback;
  if (!value->is_number_integer()) {
    throw_usage_error(fmt::format("analyzer '{}': setting '{}' must be an integer, got {}", analyzer_name_, key,
                                  value->dump()));
  }
  const auto number = value->get<long long>();
  if (number < min || number > max) {
    throw_usage_error(fmt::format("analyzer '{}': setting '{}' = {} is outside [{}, {}]", analyzer_name_, key,
                                  number, min, max));
  }
  return static_cast<int>(number);
}

bool SettingsReader::boolean(const std::string& key, bool fallback) {
  const nlohmann::json* value = find(key);
  if (value == nullptr) return fallback;
  if (!value->is_boolean()) {
    throw_usage_error(fmt::format("analyzer '{}': setting '{}' must be true or false, got {}", analyzer_name_,
                                  key, value->dump()));
  }
  return value->get<bool>();
}

std::string SettingsReader::choice(const std::string& key, const std::string& fallback,
                                   const std::set<std::string>& choices) {
  const nlohmann::json* value = find(key);
  if (value == nullptr) return fallback;
  if (!value->is_string() || !choices.contains(value->get<std::string>())) {
    throw_usage_error(fmt::format("analyzer '{}': setting '{}' must be one of {}, got {}", analyzer_name_, key,
                                  fmt::join(choices, ", "), value->dump()));
  }
  return value->get<std::string>();
}

std::string SettingsReader::text(const std::string& key, const std::string& fallback) {
  const nlohmann::json* value = find(key);
  if (value == nullptr) return fallback;
  if (!value->is_string()) {
    throw_usage_error(fmt::format("analyzer '{}': setting '{}' must be a string, got {}", analyzer_name_, key,
                                  value->dump()));
  }
  return value->get<std::string>();
}

void SettingsReader::reject_unknown_keys() const {
  for (const auto& [key, value] : settings_.items()) {
    if (!known_keys_.contains(key)) {
      throw_usage_error(fmt::format("analyzer '{}': unknown setting '{}' (known settings: {})", analyzer_name_,
                                    key, fmt::join(known_keys_, ", ")));
    }
  }
}

}  // namespace vidscope::analyzers
